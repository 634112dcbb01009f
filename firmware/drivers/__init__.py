# Drivers: thin wrappers that take their pins and buses from main.py.
