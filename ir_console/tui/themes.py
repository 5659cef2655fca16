"""The console's themes: dark for a war room at 3 a.m., light for a bright office.

Severity colours are theme variables (`$sev-1` ... `$sev-4`, each with a `-text` pair) so that
badges stay readable in both.
"""

from textual.theme import Theme

# The severity badges' colours, for any theme that does not choose its own (Textual's built-in
# themes): strong enough on a dark or a light background, each with its text colour. Chosen so
# that a 16-colour terminal (TERM=xterm, linux, screen), where each becomes the nearest ANSI
# colour, still shows four different ones, none the header's: red, yellow (orange-brown in most
# palettes), bright yellow and cyan.
SEVERITY_DEFAULTS = {
    "sev-1": "#DC2626",
    "sev-1-text": "#FFFFFF",
    "sev-2": "#EA580C",
    "sev-2-text": "#FFFFFF",
    "sev-3": "#EAB308",
    "sev-3-text": "#000000",
    "sev-4": "#0E7490",
    "sev-4-text": "#FFFFFF",
}

WAR_ROOM_DARK = Theme(
    name="war-room",
    primary="#3B82F6",
    secondary="#1E3A8A",
    accent="#F59E0B",
    warning="#F59E0B",
    error="#EF4444",
    success="#22C55E",
    foreground="#E5E7EB",
    background="#0B0F14",
    surface="#111827",
    panel="#1F2937",
    dark=True,
    variables=SEVERITY_DEFAULTS,
)

WAR_ROOM_LIGHT = Theme(
    name="war-room-light",
    primary="#1D4ED8",
    secondary="#1E40AF",
    accent="#B45309",
    warning="#B45309",
    error="#B91C1C",
    success="#15803D",
    foreground="#111827",
    background="#F9FAFB",
    surface="#F3F4F6",
    panel="#E5E7EB",
    dark=False,
    variables={
        "sev-1": "#B91C1C",
        "sev-1-text": "#FFFFFF",
        "sev-2": "#C2410C",
        "sev-2-text": "#FFFFFF",
        "sev-3": "#FACC15",
        "sev-3-text": "#000000",
        "sev-4": "#0E7490",
        "sev-4-text": "#FFFFFF",
    },
)
