"""The one error the workbench raises for problems a user can fix.

A bad option, a data set that is not there, a run folder that is not a run: the message says what is wrong
and what to do, and the command line prints it as one line and exits with status 2.
"""


class WorkbenchError(Exception):
    """A problem with what was asked for (options, data, run folder), not a bug."""
