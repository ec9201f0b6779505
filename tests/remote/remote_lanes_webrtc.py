"""remote_lanes_webrtc: calls and tells on the RPC_SIGNAL lane over WebRTC: the client runs with
ACTR_WEBRTC_MODE=only (its traffic never takes the direct WebSocket), so a message stored High
came over the data channel labelled RPC_SIGNAL; the scenario is in lanes_check.py."""
from lanes_check import run

RTC = {"ACTR_WEBRTC_MODE": "prefer", "ACTR_WEBRTC_LOCAL_ADDRESSES": "127.0.0.1"}
run(RTC, dict(RTC, ACTR_WEBRTC_MODE="only"), webrtc=True)
