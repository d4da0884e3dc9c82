"""Drop-in stand-ins for the SDK calls of the seed documents: NOMAD's ``Auth`` and Dataloop's ``login_m2m``."""
