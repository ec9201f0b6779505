"""remote_lanes_webrtc: calls and tells on the RPC_SIGNAL lane over WebRTC (the data channel
labelled RPC_SIGNAL), once both sides report the peer connection; the scenario is in
lanes_check.py."""
from lanes_check import run

run({"ACTR_WEBRTC_MODE": "prefer", "ACTR_WEBRTC_LOCAL_ADDRESSES": "127.0.0.1"}, webrtc=True)
