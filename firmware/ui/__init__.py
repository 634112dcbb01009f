# The pump's own user interface: screens drawn into any MONO_VLSB
# framebuf.FrameBuffer (128x64), menus walked with four buttons, and the UI
# controller task. Modules: fmt (numbers as text), draw (widgets), status
# (the home screen), screens (menu/edit/confirm/message/list), menus (what
# each menu does), controller (the UI task, alarms, timeouts).
