"""Device configuration (etc/livehost/livehost.yaml) and the YAML reading it shares."""
