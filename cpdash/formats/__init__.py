"""The site's formats per language (settings.FORMAT_MODULE_PATH), over Django's own:
Vietnamese dates are written 31/12/2015 everywhere (Django's "d-m-Y" is not what a
Vietnamese office writes), numbers 1.234,5."""
