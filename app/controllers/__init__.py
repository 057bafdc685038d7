"""Controllers: the only code that writes to the viewer's document and the only code that
starts work (through :class:`~app.controllers.workers.TaskRunner`)."""

from .agreement import AgreementController
from .record import RecordController
from .synthesis import SynthesisController, inference_threads, score_leads

__all__ = ["AgreementController", "RecordController", "SynthesisController", "inference_threads", "score_leads"]
