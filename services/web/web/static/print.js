// The printable statement's button (a script file: the pages allow no inline script)
document.getElementById("print").addEventListener("click", () => window.print());
