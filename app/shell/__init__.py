"""The shell: main window, menus and actions, dialogs, the entry point."""
