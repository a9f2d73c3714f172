"""Import scikit-learn only when a loader needs it, with an actionable error."""


def sklearn_datasets():
    try:
        import sklearn.datasets
    except ImportError as e:
        # scikit-learn is optional: only the digits and toy data sets use it.
        raise ImportError(
            "this data set comes from scikit-learn, which is not installed; "
            "install it with `pip install scikit-learn` (or `pip install bibun[workbench]`)"
        ) from e
    return sklearn.datasets
