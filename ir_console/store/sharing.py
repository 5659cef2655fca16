"""A database that several people on one host write: its folder and files shared with one group.

Whether a database is shared lives in the file system, not in anyone's configuration, so every
process that opens it (each responder's console, the CLI in an alert pipeline) agrees: a folder that
is setgid and group-writable (2770) gets files ir-console creates in it 0660 with the folder's group.
SQLite gives the -wal and -shm files the database file's mode, and the setgid folder its group.
Anywhere else, files stay 0600 in 0700 folders.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ir_console.store.errors import StoreError

SHARED_FOLDER_MODE = 0o2770
SHARED_FILE_MODE = 0o660
PRIVATE_FILE_MODE = 0o600
SIDE_FILES = ("-wal", "-shm")


def group_id(name: str) -> int:
    import grp  # here: only `share` names a group; every open imports this module

    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise StoreError(f"group {name!r} does not exist on this host; create it (groupadd) or check it") from None


def is_shared_folder(folder: Path) -> bool:
    """Setgid and readable, writable and searchable by its group."""
    mode = folder.stat().st_mode
    return bool(mode & stat.S_ISGID) and mode & 0o070 == 0o070


def new_file_mode(folder: Path) -> int:
    """The mode ir-console gives a database file it creates in `folder`."""
    try:
        return SHARED_FILE_MODE if is_shared_folder(folder) else PRIVATE_FILE_MODE
    except OSError:
        return PRIVATE_FILE_MODE


def database_files(path: Path) -> list[Path]:
    """The database file and whichever of its -wal and -shm exist now."""
    side = [path.with_name(path.name + suffix) for suffix in SIDE_FILES]
    return [path] + [file for file in side if file.exists()]


def share_with_group(path: Path, group: str) -> list[Path]:
    """Give the database at `path` (its folder, the file, -wal and -shm) to `group`: the folder
    2770, the files 0660. Returns what was changed (empty when it was already shared so). Raises
    StoreError with one line saying what could not be changed and who can change it."""
    path = Path(path).expanduser().resolve()
    gid = group_id(group)
    if not path.exists():
        raise StoreError(f"{path}: no such database; create it first (ir-console new) or check --db")
    targets = [(path.parent, SHARED_FOLDER_MODE)] + [(file, SHARED_FILE_MODE) for file in database_files(path)]
    changed = []
    for target, mode in targets:
        status = target.stat()
        if status.st_gid == gid and stat.S_IMODE(status.st_mode) == mode:
            continue
        try:
            os.chown(target, -1, gid)  # before chmod: setgid sticks only for a group one is in
            os.chmod(target, mode)
        except PermissionError as error:
            raise StoreError(
                f"{target}: cannot give it to group {group!r} ({error.strerror}); its owner can, "
                f"if they are in that group, or root: chgrp {group} and chmod {mode:o}"
            ) from None
        changed.append(target)
    return changed
