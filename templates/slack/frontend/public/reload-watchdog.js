// A classic script, not inline: the page's Content-Security-Policy allows scripts from this
// origin only. If a dropped request kept the client's modules from loading (browsers abort
// requests when a network interface changes), reload: a few tries, then leave the page as it is.
setTimeout(() => {
  if (document.body.dataset.loaded) return;
  const tries = Number(sessionStorage.getItem('asym-reloads') ?? 0);
  if (tries < 3) {
    sessionStorage.setItem('asym-reloads', String(tries + 1));
    location.reload();
  }
}, 6000);
