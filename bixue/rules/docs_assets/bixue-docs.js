/*
 * Bixue: offline stand-in for the parts of jQuery, Bootstrap 4 (tabs, collapse, toggle buttons,
 * alerts) and bootstrap-table that Great Expectations' Data Docs pages call. Those libraries
 * come from public CDNs the office PC cannot reach; this covers what the pages use and nothing
 * more. The index page's tables are built here from the rows GX writes into the page.
 */
(function () {
  "use strict";

  var tableHandlers = {};

  function Wrapped(nodes) {
    this.nodes = nodes;
    this.length = nodes.length;
  }

  function $(arg) {
    if (typeof arg === "function") {
      if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", arg);
      } else {
        arg();
      }
      return new Wrapped([]);
    }
    if (typeof arg === "string") {
      try {
        return new Wrapped(Array.prototype.slice.call(document.querySelectorAll(arg)));
      } catch (e) {
        return new Wrapped([]);
      }
    }
    if (arg && (arg.nodeType || arg === window)) {
      return new Wrapped([arg]);
    }
    return new Wrapped([]);
  }

  Wrapped.prototype.each = function (fn) {
    this.nodes.forEach(function (node, i) { fn.call(node, i, node); });
    return this;
  };
  Wrapped.prototype.parent = function () {
    var parents = [];
    this.nodes.forEach(function (node) {
      if (node.parentNode && parents.indexOf(node.parentNode) < 0) { parents.push(node.parentNode); }
    });
    return new Wrapped(parents);
  };
  Wrapped.prototype.show = Wrapped.prototype.fadeIn = function () {
    return this.each(function () { this.style.display = ""; });
  };
  Wrapped.prototype.hide = Wrapped.prototype.fadeOut = function () {
    return this.each(function () { this.style.display = "none"; });
  };
  Wrapped.prototype.addClass = function (name) {
    return this.each(function () { this.classList.add(name); });
  };
  Wrapped.prototype.removeClass = function (name) {
    return this.each(function () { this.classList.remove(name); });
  };
  Wrapped.prototype.attr = function (name) {
    return this.nodes.length ? this.nodes[0].getAttribute(name) : undefined;
  };
  Wrapped.prototype.data = function (name) {
    return this.attr("data-" + name);
  };
  Wrapped.prototype.ready = function (fn) { $(fn); return this; };
  // Bootstrap plug-ins the pages call but an offline reader does not need.
  Wrapped.prototype.modal = Wrapped.prototype.tooltip = Wrapped.prototype.popover = function () {
    return this;
  };
  Wrapped.prototype.on = function (event, handler) {
    var name = String(event).split(".")[0];
    return this.each(function () {
      if (event === "click-row.bs.table" && this.id) {
        (tableHandlers[this.id] = tableHandlers[this.id] || []).push(handler);
      } else if (this.addEventListener) {
        this.addEventListener(name, function (e) { handler.call(this, e); });
      }
    });
  };
  Wrapped.prototype.bootstrapTable = function (options) {
    return this.each(function () {
      if (typeof options === "string") {
        if (options === "resetSearch") { resetSearch(this); }
        return;
      }
      buildTable(this, options || {});
    });
  };

  function named(fn) {
    return typeof fn === "function" ? fn : (typeof fn === "string" ? window[fn] : null);
  }

  function sortValue(row, column) {
    var value = row[column.sortName || column.field];
    return typeof value === "string" ? value.replace(/<[^>]*>/g, "").trim() : value;
  }

  function sortRows(rows, column, order) {
    var sign = order === "desc" ? -1 : 1;
    return rows.slice().sort(function (a, b) {
      var x = sortValue(a, column);
      var y = sortValue(b, column);
      if (x === y) { return 0; }
      if (x === undefined || x === null) { return 1; }
      if (y === undefined || y === null) { return -1; }
      return (x < y ? -1 : 1) * sign;
    });
  }

  function renderBody(table, state) {
    var body = table.tBodies[0] || table.createTBody();
    body.innerHTML = "";
    var needle = state.search.toLowerCase();
    state.rows.forEach(function (row) {
      var text = state.columns.map(function (c) { return String(sortValue(row, c)); }).join(" ");
      if (needle && text.toLowerCase().indexOf(needle) < 0) { return; }
      var tr = body.insertRow();
      var attributes = named(state.options.rowAttributes);
      var extra = attributes ? attributes(row) : {};
      Object.keys(extra || {}).forEach(function (key) {
        if (extra[key] !== undefined && extra[key] !== null) { tr.setAttribute(key, extra[key]); }
      });
      state.columns.forEach(function (column) {
        var cell = tr.insertCell();
        var value = row[column.field];
        cell.innerHTML = value === undefined || value === null ? "" : String(value);
        if (column.align) { cell.style.textAlign = column.align; }
      });
      tr.addEventListener("click", function (e) {
        if (e.target.closest && e.target.closest("a")) { return; }
        var handlers = tableHandlers[table.id] || [];
        handlers.forEach(function (h) { h.call(table, e, row, new Wrapped([tr])); });
        if (!handlers.length && tr.getAttribute("data-href")) {
          window.location = tr.getAttribute("data-href");
        }
      });
    });
  }

  function buildTable(table, options) {
    var columns = options.columns || [];
    var state = {
      options: options,
      columns: columns,
      rows: options.data || [],
      search: ""
    };
    var sortColumn = columns.filter(function (c) { return c.field === options.sortName; })[0];
    if (sortColumn) { state.rows = sortRows(state.rows, sortColumn, options.sortOrder); }
    table.classList.add("bixue-table");
    table.innerHTML = "";
    var head = table.createTHead().insertRow();
    columns.forEach(function (column) {
      var th = document.createElement("th");
      th.textContent = column.title || column.field;
      if (column.sortable) {
        th.addEventListener("click", function () {
          var order = th.getAttribute("data-order") === "asc" ? "desc" : "asc";
          th.setAttribute("data-order", order);
          state.rows = sortRows(state.rows, column, order);
          renderBody(table, state);
        });
      }
      head.appendChild(th);
    });
    table.bixueState = state;
    addSearch(table, state);
    renderBody(table, state);
  }

  function addSearch(table, state) {
    var toolbar = state.options.toolbar ? document.querySelector(state.options.toolbar) : null;
    if (!toolbar || String(state.options.search) !== "true") { return; }
    var input = document.createElement("input");
    input.type = "search";
    input.className = "bixue-search";
    input.placeholder = "搜索";
    input.addEventListener("input", function () {
      state.search = input.value;
      renderBody(table, state);
    });
    toolbar.appendChild(input);
    state.input = input;
  }

  function resetSearch(table) {
    var state = table.bixueState;
    if (!state) { return; }
    state.search = "";
    if (state.input) { state.input.value = ""; }
    renderBody(table, state);
  }

  function target(link) {
    var selector = link.getAttribute("data-target") || link.getAttribute("href");
    if (!selector || selector.charAt(0) !== "#") { return null; }
    return document.getElementById(selector.slice(1));
  }

  // Bootstrap's data-toggle behaviours: tabs, collapsible blocks, toggle buttons, alerts.
  document.addEventListener("click", function (e) {
    var link = e.target.closest ? e.target.closest("[data-toggle], [data-dismiss]") : null;
    if (!link) { return; }
    var kind = link.getAttribute("data-toggle");
    if (kind === "tab" || kind === "pill") {
      var pane = target(link);
      if (!pane) { return; }
      e.preventDefault();
      var nav = link.closest(".nav");
      if (nav) {
        Array.prototype.forEach.call(nav.querySelectorAll(".nav-link"), function (other) {
          other.classList.remove("active");
          other.setAttribute("aria-selected", "false");
        });
      }
      link.classList.add("active");
      link.setAttribute("aria-selected", "true");
      Array.prototype.forEach.call(pane.parentNode.children, function (sibling) {
        sibling.classList.remove("active", "show");
      });
      pane.classList.add("active", "show");
    } else if (kind === "collapse") {
      var block = target(link);
      if (!block) { return; }
      e.preventDefault();
      var open = block.classList.toggle("show");
      link.setAttribute("aria-expanded", open ? "true" : "false");
    } else if (kind === "buttons") {
      var button = e.target.closest(".btn");
      if (!button) { return; }
      Array.prototype.forEach.call(link.querySelectorAll(".btn"), function (other) {
        other.classList.remove("active");
      });
      button.classList.add("active");
    } else if (link.getAttribute("data-dismiss") === "alert") {
      var alert = link.closest(".alert");
      if (alert) { alert.parentNode.removeChild(alert); }
    }
  });

  window.$ = window.jQuery = $;
})();
