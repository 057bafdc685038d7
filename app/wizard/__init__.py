"""The personalization wizard: its pages, their shared state and their jobs.

``app.wizard.wizard.PersonalizeWizard`` guides a user through fine-tuning the model for
one patient (:func:`leadsynth_core.personalize.personalize`); import it where it is
opened, as it loads torch.  The viewer's patient-aware model choice lives in
:mod:`app.controllers.model_choice` and its status-bar indicator in
:mod:`app.views.model_indicator`.
"""
