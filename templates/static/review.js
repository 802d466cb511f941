// Comment where you read. Every paragraph of a redline ends with a
// "Comment" link that, without this script, reloads the page with the
// comment form open on that paragraph's lines. With it, the same link opens
// the form in place, right under the paragraph; a shift-click on a second
// link of the same field (or a text selection across paragraphs, then the
// button that appears) widens the form to every line between them. The
// form's fields are the same ones the links fill in without the script, so
// the server sees one kind of request either way.
(function () {
  'use strict';

  var last = null; // The range the form was last opened on.

  function linkIn(block) {
    return block ? block.querySelector('a.comment-here') : null;
  }

  function sameText(a, b) {
    return a.control === b.control && a.field === b.field && a.on === b.on;
  }

  function rangeOf(link) {
    var d = link.dataset;
    return {
      control: d.control,
      field: d.field,
      on: d.on || '',
      first: Number(d.first),
      last: Number(d.last),
      column: link.closest('.redline')
    };
  }

  // The paragraphs of `range` in its column, in reading order.
  function blocksOf(range) {
    var out = [];
    if (!range.column) {
      return out;
    }
    range.column.querySelectorAll('a.comment-here').forEach(function (a) {
      var r = rangeOf(a);
      if (sameText(r, range) && r.first >= range.first && r.last <= range.last) {
        out.push(a.closest('.block'));
      }
    });
    return out;
  }

  // The lines as written, which each link carries.
  function quoteOf(blocks) {
    return blocks.map(function (b) {
      return linkIn(b).dataset.quote;
    }).join('\n\n');
  }

  function words(range) {
    var lines = range.first === range.last
      ? 'line ' + range.first
      : 'lines ' + range.first + '–' + range.last;
    var text = range.on === '' ? '' : range.on === 'base' ? ' of the base version' : ' of revision ' + range.on;
    return 'On ' + lines + ' of the ' + range.field + text + ':';
  }

  function open(range) {
    var details = document.getElementById('comment-' + range.control);
    var blocks = blocksOf(range);
    if (!details || blocks.length === 0) {
      return false;
    }
    var form = details.querySelector('form');
    form.elements.field.value = range.field;
    form.elements.first_line.value = String(range.first);
    form.elements.last_line.value = String(range.last);
    form.elements.on.value = range.on;
    details.querySelector('.comment-where').textContent = words(range);
    var quote = details.querySelector('.comment-quote');
    quote.textContent = quoteOf(blocks);
    quote.hidden = false;
    var numbered = details.querySelector('.pick-lines');
    if (numbered) {
      numbered.open = false;
    }
    blocks[blocks.length - 1].after(details);
    details.open = true;
    last = range;
    form.elements.body.focus();
    return true;
  }

  document.addEventListener('click', function (event) {
    var link = event.target.closest('a.comment-here');
    if (!link) {
      return;
    }
    var range = rangeOf(link);
    if (event.shiftKey && last && sameText(last, range) && last.column === range.column) {
      range.first = Math.min(last.first, range.first);
      range.last = Math.max(last.last, range.last);
    }
    if (open(range)) {
      event.preventDefault();
    }
  });

  // A selection across paragraphs offers one button for all their lines.
  var button = document.createElement('button');
  button.type = 'button';
  button.className = 'comment-selection';
  button.textContent = 'Comment on the selected lines';
  var pending = null;
  button.addEventListener('click', function () {
    if (pending && open(pending)) {
      window.getSelection().removeAllRanges();
    }
    button.remove();
    pending = null;
  });

  document.addEventListener('mouseup', function (event) {
    // Moving the button while it is being clicked would cancel the click.
    if (event.target === button) {
      return;
    }
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed) {
      return;
    }
    var element = function (node) {
      return node && node.nodeType === Node.ELEMENT_NODE ? node : node && node.parentElement;
    };
    var a = linkIn(element(selection.anchorNode) && element(selection.anchorNode).closest('.block'));
    var b = linkIn(element(selection.focusNode) && element(selection.focusNode).closest('.block'));
    if (!a || !b) {
      return;
    }
    var ra = rangeOf(a);
    var rb = rangeOf(b);
    if (!sameText(ra, rb) || ra.column !== rb.column) {
      return;
    }
    pending = {
      control: ra.control,
      field: ra.field,
      on: ra.on,
      first: Math.min(ra.first, rb.first),
      last: Math.max(ra.last, rb.last),
      column: ra.column
    };
    var blocks = blocksOf(pending);
    var lastBlock = blocks[blocks.length - 1];
    if (lastBlock && button.previousElementSibling !== lastBlock) {
      lastBlock.after(button);
    }
  });
})();
