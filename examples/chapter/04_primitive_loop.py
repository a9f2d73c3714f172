# Section 8.2.1: the primitive implementation: tensors, the loss written out, updates under no_grad.
# Prints w and b, e.g. tensor([[ 0.3059], [-1.9276]], requires_grad=True) tensor([-12.9836], requires_grad=True);
# with a folder argument also saves the loss curve and the heatmap there.
import bibun
from bibun.utils.data import TensorDataset, DataLoader
from _blobs import X, Y, dtype
from _plotting import draw_heatmap, figure_dir, init_graph, plot_data, plt

OUT_DIR = figure_dir()

# Create a data loader with batch size of 4.
dataset = TensorDataset(X, Y)
loader = DataLoader(dataset, batch_size=4, shuffle=True)

# Parameters of the single-layer neural network.
w = bibun.randn(2, 1, dtype=dtype, requires_grad=True)
b = bibun.randn(1, dtype=dtype, requires_grad=True)

H = []
eta = 0.01
for t in range(1000):
    sumloss = 0.
    for x, y in loader:
        y_hat = (x.matmul(w) + b).sigmoid()
        l = y * y_hat + (1 - y) * (1 - y_hat)
        loss = -l.log().sum()
        sumloss += loss.item()

        loss.backward()
        with bibun.no_grad():
            w -= eta * w.grad
            b -= eta * b.grad
            w.grad.zero_()
            b.grad.zero_()

    H.append(sumloss)

if OUT_DIR:
    fig, ax = plt.subplots()
    ax.plot(H)
    ax.set_xlabel('Iteration #')
    ax.set_ylabel('Loss')
    fig.savefig(OUT_DIR + '/04_loss.png')

print(w, b)

def model(x):
    return x.matmul(w) + b

if OUT_DIR:
    fig, ax = init_graph(X)
    plot_data(ax, X, Y)
    draw_heatmap(fig, ax, model)
    fig.savefig(OUT_DIR + '/04_heatmap.png')
