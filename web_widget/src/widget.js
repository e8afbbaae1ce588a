/*! The VNeID assistant's web widget: it guides citizens to log in to the public service portal with VNeID.
 * One tag embeds it: <script src="https://<gateway>/widget.js" data-commune="quang-yen" defer></script>
 * Options (data- attributes): data-commune (the commune's code, e.g. "quang-yen"; default: the installation's),
 * data-gateway (base URL, default: where this file came from), data-title,
 * data-position ("right" | "left"), data-open ("true": open the panel on load).
 * Plain ES2017, no dependencies, no build step. Everything citizens, staff and the bot write is shown as text.
 */
(function () {
  'use strict';
  if (window.TroLyVNeID) return; // embedded twice: keep the first

  // The gateway serves this file with each module written in place of its include line: one script, one scope.
  // The modules only declare (and listen); start.js puts the widget on the page.
  /*@include texts.js*/
  /*@include config.js*/
  /*@include storage.js*/
  /*@include dom.js*/
  /*@include layout.js*/
  /*@include status.js*/
  /*@include scroll.js*/
  /*@include messages.js*/
  /*@include pending.js*/
  /*@include conversation.js*/
  /*@include transport.js*/
  /*@include sync.js*/
  /*@include panel.js*/
  /*@include erasure.js*/
  /*@include composer.js*/
  /*@include start.js*/
})();
