"""The appliance layer: systemd notification, the health-gated watchdog, journald
logging and the hardware probe. Nothing here imports the show; the show uses these."""
