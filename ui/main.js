// The window's script. Directory data is only ever set with textContent, never as HTML.
const status = document.getElementById("status");
status.textContent = "Running in the tray.";
