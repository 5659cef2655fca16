"""Is .venv usable with this Python? Run by the Makefile with $(PYTHON); no third-party imports.

    python3 tools/venv_check.py .venv          prints why .venv must be rebuilt (nothing when it is fine or absent)
    python3 tools/venv_check.py --fix .venv    also removes such a .venv, saying why in one line

Exit status 2, with one line on stderr, when this Python is too old for ir-console: no .venv is
made or removed then. Kept to syntax old Pythons parse, so that they can say they are too old.
"""

import os
import shutil
import subprocess
import sys

SUPPORTED = (3, 11)
PROBE = "import os, sys; print('%d.%d' % sys.version_info[:2]); print(os.path.realpath(sys._base_executable))"


def version_text(version):
    return "%d.%d" % tuple(version[:2])


def this_python():
    return version_text(sys.version_info), os.path.realpath(getattr(sys, "_base_executable", sys.executable))


def why_rebuild(venv):
    """None when `venv` is absent or made by this Python, else the reason it must be rebuilt."""
    if not os.path.lexists(venv):
        return None
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        return "%s has no working bin/python (its Python was removed?)" % venv
    try:
        probe = subprocess.run([python, "-c", PROBE], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        return "%s/bin/python does not run (%s)" % (venv, error)
    lines = probe.stdout.split()
    if probe.returncode != 0 or len(lines) != 2:
        return "%s/bin/python does not run" % venv
    version, executable = lines
    wanted_version, wanted_executable = this_python()
    if tuple(int(part) for part in version.split(".")) < SUPPORTED:
        return "%s was made by Python %s, which ir-console does not support" % (venv, version)
    if (version, executable) != (wanted_version, wanted_executable):
        return "%s was made by Python %s (%s), not by %s (Python %s)" % (
            venv,
            version,
            executable,
            wanted_executable,
            wanted_version,
        )
    return None


def main(argv):
    fix = "--fix" in argv
    venv = [arg for arg in argv if arg != "--fix"][0]
    if sys.version_info[:2] < SUPPORTED:
        sys.stderr.write(
            "ir-console needs Python %s or newer; %s is Python %s: run make with PYTHON=python3.11 (or newer)\n"
            % (version_text(SUPPORTED), sys.executable, version_text(sys.version_info))
        )
        return 2
    reason = why_rebuild(venv)
    if reason:
        if fix:
            print("Rebuilding %s: %s." % (venv, reason))
            shutil.rmtree(venv) if os.path.isdir(venv) and not os.path.islink(venv) else os.remove(venv)
        else:
            print(reason)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
