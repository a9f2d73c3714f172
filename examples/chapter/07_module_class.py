# Section 8.2.4: the network as a class of its own. Prints its state_dict; with a folder argument also
# saves the heatmap there.
import bibun
from bibun.utils.data import TensorDataset, DataLoader
from _blobs import X, Y
from _plotting import draw_heatmap, figure_dir, init_graph, plot_data

OUT_DIR = figure_dir()

# Create a data loader with batch size of 4.
dataset = TensorDataset(X, Y)
loader = DataLoader(dataset, batch_size=4, shuffle=True)

# Define a neural network as a class.
class SingleLayerNN(bibun.nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.linear1 = bibun.nn.Linear(d_in, d_out, bias=True)

    def forward(self, x):
        return self.linear1(x)

model = SingleLayerNN(2, 1)
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
    fig.savefig(OUT_DIR + '/07_heatmap.png')
print(model.state_dict())
