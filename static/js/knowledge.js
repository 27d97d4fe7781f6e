/*
  Knowledge base enhancements. Every page works without this script; it only adds:

  1. On /ask: while a question is typed, the three best public articles for it, fetched
     (debounced) from /kb/suggest.json and shown under the question. The text is posted,
     never put in a URL, since a question can hold personal details.
  2. On the case page: the "Infoga från kunskapsbanken" search lists articles with
     buttons that put an article's link or text into the reply at the cursor (without
     the script, the search leads to a page with a prefilled reply form).

  No inline code: the Content-Security-Policy allows scripts from this site only.
*/
(function () {
  "use strict";

  if (!window.fetch || !document.querySelectorAll) {
    return;
  }

  var MIN_QUESTION_LENGTH = 12;
  var DEBOUNCE_MS = 450;

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fn, wait);
    };
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function pageLanguage() {
    return document.documentElement.getAttribute("lang") || "sv";
  }

  // 1. Suggestions while a question is typed -----------------------------------------

  function setUpSuggestions(box) {
    var input = document.getElementById(box.getAttribute("data-input"));
    var results = box.querySelector("[data-kb-suggest-results]");
    if (!input || !results) {
      return;
    }
    var lastText = "";
    var shown = "";
    var pending = null;

    function render(articles) {
      var key = articles.map(function (article) { return article.url; }).join(" ");
      if (key === shown) {
        return; // the same list: nothing new to announce
      }
      shown = key;
      results.textContent = "";
      if (!articles.length) {
        return;
      }
      var heading = element("h3", "kb-suggestions__title", box.getAttribute("data-title"));
      var list = element("ul", "kb-results");
      articles.forEach(function (article) {
        var item = element("li", "kb-result");
        if (article.language && article.language !== pageLanguage()) {
          item.setAttribute("lang", article.language);
        }
        var title = element("p", "kb-result__title");
        var link = element("a", "", article.title);
        link.href = article.url;
        link.target = "_blank";
        link.rel = "noopener";
        var note = element("span", "visually-hidden", " (" + box.getAttribute("data-new-tab") + ")");
        note.setAttribute("lang", pageLanguage());
        link.appendChild(note);
        title.appendChild(link);
        item.appendChild(title);
        if (article.summary) {
          item.appendChild(element("p", "kb-result__snippet", article.summary));
        }
        list.appendChild(item);
      });
      results.appendChild(heading);
      results.appendChild(list);
    }

    // The topics ticked on the same form: their articles come first.
    function chosenTopics() {
      var form = input.form;
      if (!form) {
        return [];
      }
      return Array.prototype.map.call(
        form.querySelectorAll("input[name='topics']:checked"),
        function (checkbox) { return checkbox.value; }
      );
    }

    var fetchSuggestions = debounce(function () {
      var text = input.value.trim();
      var topics = chosenTopics();
      var asked = text + "\n" + topics.join(",");
      if (asked === lastText) {
        return;
      }
      lastText = asked;
      if (text.length < MIN_QUESTION_LENGTH) {
        render([]);
        return;
      }
      if (pending && pending.abort) {
        pending.abort();
      }
      pending = window.AbortController ? new AbortController() : null;
      var body = new URLSearchParams();
      body.append("q", text.slice(0, 2000));
      topics.forEach(function (topic) { body.append("topic", topic); });
      window.fetch(box.getAttribute("data-source"), {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: pending ? pending.signal : undefined
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (data && input.value.trim() === text) {
            render(data.articles || []);
          }
        })
        .catch(function () { /* suggestions are a bonus: the form works without them */ });
    }, DEBOUNCE_MS);

    input.addEventListener("input", fetchSuggestions);
    if (input.form) {
      input.form.addEventListener("change", function (event) {
        if (event.target && event.target.name === "topics") {
          fetchSuggestions();
        }
      });
    }
    if (input.value.trim()) {
      fetchSuggestions();
    }
  }

  // 2. Articles in a reply ---------------------------------------------------------------

  function setUpInsert(form) {
    var container = form.parentNode;
    var results = container.querySelector("[data-kb-insert-results]");
    var target = document.getElementById(form.getAttribute("data-target"));
    if (!results || !target) {
      return;
    }

    function insert(text) {
      var start = typeof target.selectionStart === "number" ? target.selectionStart : target.value.length;
      var end = typeof target.selectionEnd === "number" ? target.selectionEnd : start;
      var before = target.value.slice(0, start);
      var after = target.value.slice(end);
      var lead = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
      var trail = after && !/^\n/.test(after) ? "\n\n" : "";
      target.value = before + lead + text + trail + after;
      var caret = (before + lead + text).length;
      target.focus();
      target.setSelectionRange(caret, caret);
      var status = results.querySelector("[role=status]");
      if (status) {
        status.textContent = results.getAttribute("data-label-inserted");
      }
    }

    function button(label, title, text) {
      var node = element("button", "button button--small button--secondary", label);
      node.type = "button";
      node.appendChild(element("span", "visually-hidden", ": " + title));
      node.addEventListener("click", function () { insert(text); });
      return node;
    }

    function render(articles) {
      results.textContent = "";
      var status = element("p", "visually-hidden");
      status.setAttribute("role", "status");
      if (!articles.length) {
        results.appendChild(element("p", "muted", results.getAttribute("data-label-none")));
        results.appendChild(status);
        return;
      }
      var list = element("ul", "kb-results");
      articles.forEach(function (article) {
        var item = element("li", "kb-result stack stack--small");
        item.appendChild(element("p", "kb-result__title", article.title));
        var actions = element("div", "actions");
        if (article.link) {
          actions.appendChild(button(results.getAttribute("data-label-link"), article.title, article.link));
        }
        actions.appendChild(button(results.getAttribute("data-label-text"), article.title, article.text));
        item.appendChild(actions);
        list.appendChild(item);
      });
      results.appendChild(list);
      results.appendChild(status);
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var query = form.querySelector("input[name=q]").value;
      window.fetch(form.getAttribute("data-source") + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (data) { render(data.articles || []); })
        .catch(function () { form.submit(); });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-kb-suggest]"), setUpSuggestions);
  Array.prototype.forEach.call(document.querySelectorAll("form[data-kb-insert]"), setUpInsert);
})();
