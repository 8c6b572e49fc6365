"""Modal dialogs, one module each, with typed `ModalScreen[T]` results (frogmouth style).

Each is imported from its own module where it is opened, so opening one loads only it.
"""
