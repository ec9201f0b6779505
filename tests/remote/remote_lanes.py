"""remote_lanes: calls and tells on the RPC_SIGNAL lane over the direct WebSocket (the frame's
payload type byte 1); the scenario is in lanes_check.py."""
from lanes_check import run

OFF = {"ACTR_WEBRTC_MODE": "off"}
run(OFF, OFF, webrtc=False)
