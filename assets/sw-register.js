/* Registers the offline-page service worker (/sw.js). A file, not an inline script: the
   Content-Security-Policy allows scripts from this origin only. */
(function () {
  if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
  function register() {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  }
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register);
})();
