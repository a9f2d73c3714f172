"""A finished run's outputs from its history and metrics: the figures (PNG) and report.html."""
from . import figures, report
from .pages import img
from ._png import gray_png
from .rundir import make_dir, write_bytes, write_text


def thumbnails(images, items, pixel_max, invert=True, size=84):
    """Test index -> <img> of that example, scaled up to about `size` pixels."""
    out = {}
    for it in items:
        im = images[it["index"]]
        scale = max(1, round(size / max(im.shape)))
        out[it["index"]] = img(gray_png(im, vmax=pixel_max, scale=scale, invert=invert),
                               f"test example {it['index']}", cls="ex")
    return out


def render_figures(config, info, history, metrics, test_images):
    classes = info["classes"]
    return {
        "curves": figures.curves(history, title=f'{config["dataset"]} · {info["model_text"]}'),
        "confusion": figures.confusion(metrics["confusion_matrix"], classes),
        "examples": figures.examples(test_images, metrics["easiest"], metrics["hardest"], classes,
                                     invert=info["invert"], vmax=info["pixel_max"]),
    }


def publish(run, config, info, history, metrics, test_images):
    """Write figures/*.png and report.html into the RunDir `run`; returns the figures as PNG bytes."""
    figs = render_figures(config, info, history, metrics, test_images)
    make_dir(run.figures)
    for key, png in figs.items():
        write_bytes(run.figure(key), png)
    thumbs = thumbnails(test_images, metrics["easiest"] + metrics["hardest"], info["pixel_max"], info["invert"])
    write_text(run.report, report.render(config, info, history, metrics, figs, thumbs))
    return figs
