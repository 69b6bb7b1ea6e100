"""Helpers for the tests and the benchmarks, kept out of the package the appliance installs.

- `devkit.lipsync_models`: generated stand-in ONNX models with the Wav2Lip I/O;
- `devkit.speech_judge`: word error rate of spoken lines, heard by Whisper tiny.en
  (faster-whisper and its model come with the `test` extra).

Importable from the repository root: pytest adds it to `sys.path` (pyproject's
`pythonpath`), and `python -m bench.run` runs from there.
"""
