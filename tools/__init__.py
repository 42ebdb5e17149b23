"""Developer tools run from a checkout of kformat; not part of the installed packages."""
