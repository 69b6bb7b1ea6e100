"""The neural lip-sync engine: a user-supplied ONNX model (Wav2Lip family)."""
