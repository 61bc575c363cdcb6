// Print buttons on the role pages (the CSP allows scripts from this site only, so no inline handlers).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
