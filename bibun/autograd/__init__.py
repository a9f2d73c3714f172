"""Graph nodes, the backward engine, grad mode and gradient checks."""
from .grad_mode import no_grad, enable_grad, set_grad_enabled, is_grad_enabled
from .engine import backward, grad
from .gradcheck import gradcheck
from .anomaly import detect_anomaly
