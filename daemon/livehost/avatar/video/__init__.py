"""Video avatars: a host cloned from about a minute of video of a real person.

timeline  the capture guide's takes (idle, reading, gestures), in order and length
clip      the recorded clip opened and checked (length, frame rate, audio, face)
track     landmarks, head-normalised lip shape and head pose for every frame
loop      the idle loop and its seamless loop point
build     `livehost avatar build --video`: the package and its report
"""
