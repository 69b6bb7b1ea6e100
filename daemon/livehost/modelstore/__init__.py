"""The models folder: a YAML manifest of every model file with its hash, licence and origin."""
