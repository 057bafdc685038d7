"""The personalization wizard and the viewer's patient-aware model choice.

``app.wizard.wizard.PersonalizeWizard`` guides a user through fine-tuning the model for
one patient (:func:`leadsynth_core.personalize.personalize`); import it where it is
opened, as it loads torch.  ``PatientModelChoice`` makes the viewer use the patient's
personal model; ``ModelIndicator`` says which model serves the open record and switches
between personal and general.  These two are light (no torch at import).
"""

from .indicator import ModelIndicator
from .model_choice import PatientModelChoice, personal_summary

__all__ = ["ModelIndicator", "PatientModelChoice", "personal_summary"]
