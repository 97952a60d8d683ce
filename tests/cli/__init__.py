"""The command line, in process and in fresh subprocesses."""
