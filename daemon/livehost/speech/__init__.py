"""Speech: text in, audio chunks with phoneme timing out."""
