"""Script lines a language model drafts offline and staff approve; only approved lines air.

One YAML file per product in the schedule's `scripts/` folder. `livehost script draft`
asks a local OpenAI-compatible server for drafts, `livehost script review` lets a person
approve them, and the show reads the approved lines from `ScriptStore.current`. The daemon
never calls the model.
"""
