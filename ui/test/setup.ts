// jsdom has <dialog> but not its modal methods: the app's dialogs open and close as a
// browser's would, with `open` set and `close` fired.
HTMLDialogElement.prototype.showModal = function () {
  this.setAttribute("open", "");
};
HTMLDialogElement.prototype.close = function () {
  this.removeAttribute("open");
  this.dispatchEvent(new Event("close"));
};
