"""The two errors the data loaders raise.

Both carry a message a learner can act on without reading a traceback: what
went wrong, which file or folder, and what to do next.
"""


class DataFileError(ValueError):
    """A data file exists but its contents are not what they should be."""


class DownloadError(RuntimeError):
    """Files could not be downloaded from any mirror (or downloading was off).

    ``files`` are the file names still missing, ``folder`` the place to put
    them by hand, ``attempts`` a list of ``(url, reason)`` pairs.
    """

    def __init__(self, message, files=(), folder=None, attempts=()):
        super().__init__(message)
        self.files = list(files)
        self.folder = folder
        self.attempts = list(attempts)
