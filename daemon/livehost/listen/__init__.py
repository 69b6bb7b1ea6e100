"""Listening: the store's microphone, in-store questions through Vosk, and live takeover.

    source      the microphone (ALSA), a file or a FIFO -> mono PCM chunks, never blocking
    vad         which stretches of the input are someone speaking
    gate        deaf while the host itself speaks (half duplex, with a margin for echo)
    recognizer  Vosk: speech -> text (the model a folder the shop installs)
    listener    the thread that ties them together and hands questions to the audience desk
    live        the microphone as the host's voice during a takeover
"""
