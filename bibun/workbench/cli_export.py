"""`bibun export RUN_DIR --to torch|onnx`: a finished run's model for PyTorch (model.pt, a state dict that
torch.load(weights_only=True) reads, and model.py, which rebuilds the architecture) or for ONNX runtimes
(model.onnx), written next to the run's weights, each file atomically."""
import sys

from ..i18n import translate as _


def add_arguments(parser):
    parser.add_argument("run_dir", metavar="RUN_DIR", help=_("the folder of a finished `bibun train` run"))
    parser.add_argument("--to", required=True, choices=("torch", "onnx"),
                        help=_("torch: model.pt + model.py for PyTorch; onnx: model.onnx"))


def export_run(run_dir, to):
    """Write the export of the run in `run_dir`; return the paths written."""
    import bibun
    from ..interop import codegen, onnx_export, torch_file
    from .api import load_model
    from .rundir import RunDir, write_text
    run = RunDir(run_dir)
    net = load_model(run_dir)
    first = net[1]                      # build_model: Flatten, then the first Linear
    if to == "onnx":
        path = run.path / "model.onnx"
        onnx_export.export_onnx(net, bibun.zeros(1, first.in_features), path)
        return [path]
    pt, py = run.path / "model.pt", run.path / "model.py"
    torch_file.save_torch(net, pt)
    write_text(py, codegen.torch_source(net, pt.name, f"The model of the bibun run {run.path.name}"))
    return [pt, py]


def run(args):
    from .._errors import one_line
    from .errors import WorkbenchError
    try:
        paths = export_run(args.run_dir, args.to)
    except (WorkbenchError, OSError, ImportError) as e:
        print(_("bibun export: error: {message}").format(message=one_line(e)), file=sys.stderr)
        return 2
    for p in paths:
        print(_("wrote {path}").format(path=p))
    return 0
