"""Fleet: the MQTT agent on each unit and `livehostctl` for the operator.

The topic contract is docs/mqtt.md; `messages` and `commands` are its code form.
"""
