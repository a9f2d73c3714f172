# Section 8.2.3: the optimizer from the library. With a folder argument, saves the heatmap there.
import bibun
from bibun.utils.data import TensorDataset, DataLoader
from _blobs import X, Y
from _plotting import draw_heatmap, figure_dir, init_graph, plot_data

OUT_DIR = figure_dir()

# Create a data loader with batch size of 4.
dataset = TensorDataset(X, Y)
loader = DataLoader(dataset, batch_size=4, shuffle=True)

# Single-layer NN: 2 -> 1
model = bibun.nn.Sequential(
    bibun.nn.Linear(2, 1, bias=True),
)
loss_fn = bibun.nn.BCEWithLogitsLoss()
optimizer = bibun.optim.SGD(model.parameters(), lr=0.5)

for t in range(1000):
    for x, y in loader:
        y_hat = model(x)
        loss = loss_fn(y_hat, y)

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

if OUT_DIR:
    fig, ax = init_graph(X)
    plot_data(ax, X, Y)
    draw_heatmap(fig, ax, model)
    fig.savefig(OUT_DIR + '/06_heatmap.png')
