"""Live signals from the machine and its services: psutil, httpx, git, logs. No Textual here."""
