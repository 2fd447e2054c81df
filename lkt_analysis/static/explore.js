// The key explorer's drawing, shared by the JupyterLab widget (anywidget: the default export) and the
// comparison report's "Prøv sjølv" (inlined by lkt_analysis.explore.tryout, started by tryoutAll).
// Every amount is looked up in the exact table Python computed (lkt_analysis.sweep): nothing here
// computes an amount; differences and kr per inhabitant are taken from the amounts looked up.
// A plain ES module: no build step, nothing fetched. Numbers the Norwegian way (lkt_analysis.norwegian).

const NBSP = "\u00a0";
const MINUS = "\u2212";
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SMALL = 31;
const DIGIT = new Int8Array(128);
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i - SMALL;

// The amounts from lkt_analysis.explore.encode: one run per member and value of the other parameters, along
// the first parameter; returned in grid order (the first parameter slowest), one row of `members` per variant.
export function decode(text, members, counts) {
  const first = counts.length ? counts[0] : 1;
  const rest = counts.slice(1).reduce((a, b) => a * b, 1);
  const out = new Float64Array(first * rest * members);
  let at = 0;
  for (let m = 0; m < members; m++) {
    for (let j = 0; j < rest; j++) {
      let value = 0;
      let step = 0;
      for (let i = 0; i < first; i++) {
        let d;
        if (text.charCodeAt(at) === 126) {
          const end = text.indexOf(".", at);
          d = Number(text.slice(at + 1, end));
          at = end + 1;
        } else {
          d = DIGIT[text.charCodeAt(at++)];
        }
        if (i === 0) value = d;
        else if (i === 1) { step = d; value += d; }
        else { step += d; value += step; }
        out[(i * rest + j) * members + m] = value;
      }
    }
  }
  return out;
}

// A number with a space between thousands and a decimal comma, as lkt_analysis.norwegian.number.
export function number(value, decimals = 0) {
  const text = decimals ? fixed(Math.abs(value), decimals) : String(Math.abs(Math.round(value)));
  const [whole, part] = text.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
  return (value < 0 ? MINUS : "") + grouped + (part === undefined ? "" : "," + part);
}

// toFixed, but an exact tie rounded to even, as Python formats it.
function fixed(value, decimals) {
  const scaled = value * 10 ** decimals;
  if (Number.isInteger(scaled * 2) && !Number.isInteger(scaled)) {
    const down = Math.floor(scaled);
    return ((down % 2 === 0 ? down : down + 1) / 10 ** decimals).toFixed(decimals);
  }
  return value.toFixed(decimals);
}

export function signed(value, decimals = 0) {
  return (value > 0 ? "+" : "") + number(value, decimals);
}

export function kroner(value) {
  return number(value) + NBSP + "kr";
}

export function percent(share) {
  const text = number(share * 100, 1).replace(/,0$/, "");
  return text + NBSP + "%";
}

export function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (all, name) => (name in values ? String(values[name]) : all));
}

function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function select(label, options, value, onchange, props = {}) {
  const input = h("select", { onchange: () => onchange(input), ...props },
    ...options.map(([key, text]) => h("option", { value: String(key), text })));
  if (props.multiple) {
    for (const option of input.options) option.selected = value.includes(option.value);
  } else {
    input.value = String(value);
  }
  return h("label", { class: "lkt-x-field" }, h("span", { text: label }), input);
}

// The columns a table can show: heading (a name in the words), the cell's text, the total row's text.
const COLUMNS = {
  name: { head: "name", text: (v, m) => v.data.members.name[m], total: (v) => v.words.total, left: true },
  population: { head: "population", text: (v, m) => number(v.data.members.population[m]),
    total: (v) => number(v.population) },
  reference: { head: "reference_amount", text: (v, m) => number(v.ref[m]), total: (v) => number(v.sum(v.ref)) },
  amount: { head: "amount", text: (v, m) => number(v.amount[m]), total: (v) => number(v.sum(v.amount)) },
  diff: { head: "diff", text: (v, m) => signed(v.amount[m] - v.ref[m]),
    total: (v) => signed(v.sum(v.amount) - v.sum(v.ref)) },
  pct: { head: "diff_pct", text: (v, m) => (v.ref[m] > 0
    ? signed((v.amount[m] - v.ref[m]) / v.ref[m] * 100, 1) + NBSP + "%" : "\u2013"), total: () => "" },
  per: { head: "per_inhabitant", text: (v, m) => number(v.amount[m] / v.data.members.population[m], 2),
    total: (v) => number(v.sum(v.amount) / v.population, 2) },
  bar: { head: null, bar: "diff" },
  perbar: { head: null, bar: "per" },
};

// A table of the municipalities and a total row: built once, its cells' text and bars set on each update.
function table(view, columns, headings = {}) {
  const head = h("tr", {}, ...columns.map((c) => h("th", {
    class: COLUMNS[c].left ? "lkt-x-left" : null,
    text: COLUMNS[c].head ? view.words[headings[c] || COLUMNS[c].head] : "" })));
  const rows = view.data.members.code.map((code, m) => {
    const cells = columns.map((c) => (COLUMNS[c].bar
      ? h("td", { class: "lkt-x-barcell" }, h("div", { class: `lkt-x-bar lkt-x-bar-${COLUMNS[c].bar}` }, h("span")))
      : h("td", { class: `lkt-x-c-${c}${COLUMNS[c].left ? " lkt-x-left" : ""}` })));
    return { m, node: h("tr", { "data-code": code }, ...cells), cells };
  });
  const totals = columns.map((c) => h("td", { class: `lkt-x-c-${c}${COLUMNS[c].left ? " lkt-x-left" : ""}` }));
  const body = h("tbody", {}, ...rows.map((r) => r.node), h("tr", { class: "lkt-x-total" }, ...totals));
  const node = h("table", { class: "lkt-x-table" }, h("thead", {}, head), body);
  const scale = { diff: 0, per: 0 };
  return {
    node,
    update(v) {
      scale.diff = Math.max(1, ...v.order.map((m) => Math.abs(v.amount[m] - v.ref[m])));
      // an anchor whose change dwarfs every other's: the others' bars scaled to be seen, the anchor's cut short
      const anchor = v.data.anchor;
      const others = Math.max(0, ...v.order.filter((m) => m !== anchor)
        .map((m) => Math.abs(v.amount[m] - v.ref[m])));
      scale.cut = anchor >= 0 && others > 0 && scale.diff > 3 * others ? anchor : -1;
      if (scale.cut >= 0) scale.diff = 1.5 * others;
      scale.per = Math.max(1e-9, ...v.order.map((m) => v.amount[m] / v.data.members.population[m]));
      for (const row of rows) {
        columns.forEach((c, k) => {
          const column = COLUMNS[c];
          if (column.bar) bar(row.cells[k].firstChild.firstChild, v, row.m, column.bar, scale);
          else row.cells[k].textContent = column.text(v, row.m);
        });
        row.node.classList.toggle("lkt-x-own", v.data.members.code[row.m] === v.state.highlight);
      }
      columns.forEach((c, k) => { if (!COLUMNS[c].bar) totals[k].textContent = COLUMNS[c].total(v); });
      const order = v.order.map((m) => rows[m].node);
      if (order.some((node, i) => body.children[i] !== node)) body.prepend(...order);
    },
  };
}

function bar(span, v, m, what, scale) {
  if (what === "diff") {
    const diff = v.amount[m] - v.ref[m];
    const width = Math.min(1, Math.abs(diff) / scale.diff) * 50;
    span.className = (diff < 0 ? "lkt-x-gain" : "lkt-x-loss") + (m === scale.cut ? " lkt-x-cut" : "");
    span.style.left = (diff < 0 ? 50 - width : 50) + "%";
    span.style.width = width + "%";
  } else {
    span.className = "lkt-x-per";
    span.style.left = "0";
    span.style.width = ((v.amount[m] / v.data.members.population[m]) / scale.per) * 100 + "%";
  }
}

// Draws `data` (lkt_analysis.explore.payload) into `root`: the controls of its parameters, the key figures,
// the chart and the tables. options.layout: "explorer" or "tryout"; options.extra: controls put first;
// options.onSettle(view) when a control is let go; options.onExport(format, view) for the export buttons.
export function mount(root, data, options = {}) {
  const words = data.words;
  const members = data.members.code.length;
  const counts = data.params.map((p) => p.labels.length);
  const amounts = decode(data.amounts, members, counts);
  const start = data.view || {};
  const state = {
    at: data.params.map((p) => p.start),
    reference: data.reference || 0,
    highlight: start.highlight || "",
    sort: start.sort || "population",
  };
  const population = data.members.population.reduce((a, b) => a + b, 0);
  const byPopulation = data.members.code.map((_, m) => m);
  const explorer = options.layout !== "tryout";

  function values(at) {
    let index = 0;
    at.forEach((position, k) => { index = index * counts[k] + position; });
    const amount = amounts.subarray(index * members, (index + 1) * members);
    const ref = data.references[state.reference].amounts;
    const order = state.sort === "change"
      ? byPopulation.slice().sort((a, b) => (amount[b] - ref[b]) - (amount[a] - ref[a]) || a - b)
      : byPopulation;
    return { data, words, state, amount, ref, order, population, sum: (xs) => xs.reduce((a, b) => a + b, 0) };
  }

  function view() {
    return {
      values: Object.fromEntries(data.params.map((p, k) => [p.name, p.values[state.at[k]]])),
      reference: data.references[state.reference].name,
      highlight: state.highlight,
      sort: state.sort,
    };
  }
  const settle = () => options.onSettle && options.onSettle(view());

  const readouts = [];
  const sliders = data.params.map((p, k) => {
    const readout = h("output", { class: "lkt-x-value", text: p.labels[state.at[k]] });
    readouts.push(readout);
    const input = h("input", {
      type: "range", min: "0", max: String(p.labels.length - 1), step: "1", value: String(state.at[k]),
      "aria-label": p.title, "data-param": p.name,
      oninput: () => { state.at[k] = Number(input.value); update(); },
      onchange: settle,
    });
    return h("label", { class: "lkt-x-slider" }, h("span", { text: p.title }), input, readout);
  });
  const names = data.members.code.map((code, m) => [code, data.members.name[m]])
    .sort((a, b) => a[1].localeCompare(b[1], "nb"));
  const choices = [
    data.references.length > 1 ? select(words.reference, data.references.map((r, i) => [i, r.label]),
      state.reference, (input) => { state.reference = Number(input.value); update(); settle(); }) : null,
    select(words.highlight, [["", words.nobody], ...names], state.highlight,
      (input) => { state.highlight = input.value; update(); settle(); }, { "data-choice": "highlight" }),
    select(words.sort, [["population", words.sort_population], ["change", words.sort_change]], state.sort,
      (input) => { state.sort = input.value; update(); settle(); }, { "data-choice": "sort" }),
  ];
  const figures = h("div", { class: "lkt-x-figures" });
  const chartTitle = h("p", { class: "lkt-x-title" });
  let chart;
  let full;
  let command;
  let commandNote;
  const screen = h("div", { class: "lkt-x-screen" });
  if (explorer) {
    chart = table({ data, words }, ["name", "bar", "diff", "amount"]);
    full = table({ data, words }, ["name", "population", "reference", "amount", "diff", "pct", "per"]);
    command = h("pre", { class: "lkt-x-command" });
    commandNote = h("p", { class: "lkt-x-note" });
    const exports = h("p", { class: "lkt-x-export" }, h("span", { text: words.export + " " }),
      ...["xlsx", "csv"].map((format) => h("button", {
        type: "button", text: words[`export_${format}`], "data-export": format,
        onclick: () => options.onExport && options.onExport(format, view()) })));
    screen.append(
      h("div", { class: "lkt-x-top" },
        h("div", { class: "lkt-x-side" },
          h("div", { class: "lkt-x-controls" }, ...(options.extra || []), ...sliders, ...choices),
          figures, exports, commandNote, command),
        h("div", { class: "lkt-x-chart" }, chartTitle, chart.node)),
      h("details", { class: "lkt-x-more" }, h("summary", { text: words.table }), full.node));
  } else {
    full = table({ data, words }, ["name", "amount", "diff", "bar", "per", "perbar"],
      { amount: "tryout_amount", diff: "tryout_diff" });
    const reset = h("button", { type: "button", text: words.reset, onclick: () => {
      data.params.forEach((p, k) => { state.at[k] = p.start; sliders[k].querySelector("input").value = p.start; });
      update();
    } });
    screen.append(h("p", { text: words.tryout_intro }),
      h("div", { class: "lkt-x-controls" }, ...sliders, ...choices, reset), figures, full.node);
    const adopted = data.references[0];
    const printed = table({ data, words }, ["name", "population", "amount", "per"], { amount: "tryout_amount" });
    printed.update({ data, words, state: { highlight: "" }, amount: adopted.amounts, ref: adopted.amounts,
      order: byPopulation, population, sum: (xs) => xs.reduce((a, b) => a + b, 0) });
    root.append(h("div", { class: "lkt-x-print" }, h("p", { text: fill(words.print, { label: adopted.label }) }),
      printed.node));
  }
  root.append(screen);

  function update() {
    const v = values(state.at);
    readouts.forEach((readout, k) => { readout.textContent = data.params[k].labels[state.at[k]]; });
    if (chart) chart.update(v);
    full.update(v);
    figures.replaceChildren(...lines(v).map((text) => h("p", { text })));
    if (explorer) {
      chartTitle.textContent = fill(words.chart, { reference: data.references[state.reference].label });
      const made = commandText(data, state.at);
      commandNote.textContent = made.note;
      command.textContent = made.code;
    }
  }

  function lines(v) {
    const out = [];
    const total = v.sum(v.amount);
    if (data.anchor >= 0) {
      const amount = v.amount[data.anchor];
      out.push(fill(words.figure_anchor, { name: data.members.name[data.anchor], amount: kroner(amount),
        share: percent(amount / total), total: kroner(total) }));
    }
    const own = data.members.code.indexOf(state.highlight);
    if (own >= 0) {
      out.push(fill(words[explorer ? "figure_highlight" : "tryout_highlight"], { name: data.members.name[own],
        amount: kroner(v.amount[own]), diff: signed(v.amount[own] - v.ref[own]) + NBSP + "kr" }));
    }
    const diffs = byPopulation.map((m) => v.amount[m] - v.ref[m]);
    const more = diffs.filter((d) => d > 0).length;
    const less = diffs.filter((d) => d < 0).length;
    const counts = more || less ? "count" : "same";
    out.push(fill(words[(explorer ? "figure_" : "tryout_") + counts], { more, less }));
    if (explorer) {
      const rise = diffs.indexOf(Math.max(...diffs));
      const fall = diffs.indexOf(Math.min(...diffs));
      const change = (m) => ({ name: data.members.name[m], amount: signed(diffs[m]) + NBSP + "kr" });
      if (diffs[rise] > 0) out.push(fill(words.figure_rise, change(rise)));
      if (diffs[fall] < 0) out.push(fill(words.figure_fall, change(fall)));
      const per = byPopulation.map((m) => v.amount[m] / data.members.population[m]);
      out.push(fill(words.figure_range, { low: number(Math.min(...per), 2), high: number(Math.max(...per), 2) }));
    }
    return out;
  }

  update();
  return { update, view, state };
}

// The `lkt report` command for the parameters at `at`: the project's key of this kind with --set for each
// parameter that differs from it, or the key to add to the project file first (and `note` says so).
function commandText(data, at) {
  const command = data.command;
  if (command.toml) {
    const lines = data.params.map((p, k) => `${p.name} = ${p.plain[at[k]]}`);
    return { note: data.words.command_new, code: [command.toml, ...lines, "", command.text].join("\n") };
  }
  const settings = data.params.map((p, k) => (
    p.plain[at[k]] === command.set[p.name] ? "" : ` --set ${p.name}=${p.plain[at[k]]}`));
  return { note: data.words.command, code: command.text + settings.join("") };
}

// "Prøv sjølv": every fragment on the page not yet started, its data in its own script element.
export function tryoutAll() {
  for (const root of document.querySelectorAll(".lkt-x-tryout:not([data-started])")) {
    root.dataset.started = "1";
    const data = JSON.parse(root.querySelector("script.lkt-x-data").textContent);
    root.querySelector(".lkt-x-noscript")?.remove();
    mount(root, data, { layout: "tryout" });
  }
}

function download(name, mime, buffer) {
  const url = URL.createObjectURL(new Blob([buffer], { type: mime }));
  const link = h("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// The JupyterLab explorer (anywidget): the year, the kind and its choices go to the kernel, which computes
// `data` again; the sliders and the other controls only look up what `data` holds.
function render({ model, el }) {
  el.classList.add("lkt-x", "lkt-x-explorer");
  function ask(change) {
    el.classList.add("lkt-x-busy");
    model.set("choice", { ...model.get("data").choice, ...change });
    model.save_changes();
  }
  // the view with the values of parameters the chosen kind does not have kept, for when it has them again
  function remembered(view) {
    const before = model.get("view") || {};
    return { ...before, ...view, values: { ...(before.values || {}), ...view.values } };
  }
  function draw() {
    const data = model.get("data");
    el.classList.remove("lkt-x-busy");
    el.replaceChildren();
    if (!data || !data.words) return;
    const words = data.words;
    const choice = data.choice;
    const names = data.members.code.map((code, m) => [code, data.members.name[m]])
      .sort((a, b) => a[1].localeCompare(b[1], "nb"));
    const extra = [
      select(words.year, data.choices.years, choice.year, (input) => ask({ year: Number(input.value) }),
        { "data-choice": "year" }),
      select(words.kind_choice, data.choices.kinds, choice.kind, (input) => ask({ kind: input.value }),
        { "data-choice": "kind" }),
      "code" in choice ? select(words.anchor, names, choice.code, (input) => ask({ code: input.value }),
        { "data-choice": "code" }) : null,
      "age_group" in choice ? select(words.age_group, data.choices.age_groups, choice.age_group,
        (input) => ask({ age_group: input.value }), { "data-choice": "age_group" }) : null,
      "codes" in choice ? select(words.codes, names, choice.codes,
        (input) => ask({ codes: [...input.selectedOptions].map((o) => o.value) }),
        { multiple: "multiple", size: "5", "data-choice": "codes" }) : null,
    ].filter(Boolean);
    const error = h("p", { class: "lkt-x-error", text: model.get("error") });
    el.append(error, h("p", { class: "lkt-x-busy-note", text: words.computing }));
    mount(el, data, {
      layout: "explorer",
      extra,
      onSettle: (view) => { model.set("view", remembered(view)); model.save_changes(); },
      onExport: (format, view) => model.send({ type: "export", format, view: remembered(view) }),
    });
    // keys on a control are the control's (an arrow moves a slider), not JupyterLab's shortcuts
    for (const node of el.querySelectorAll("input, select, button")) {
      node.setAttribute("data-lm-suppress-shortcuts", "true");
    }
  }
  const showError = () => {
    el.classList.remove("lkt-x-busy");
    const node = el.querySelector(".lkt-x-error");
    if (node) node.textContent = model.get("error");
  };
  const received = (msg, buffers) => {
    if (msg && msg.type === "file") download(msg.name, msg.mime, buffers[0]);
  };
  model.on("change:data", draw);
  model.on("change:error", showError);
  model.on("msg:custom", received);
  draw();
  return () => {
    model.off("change:data", draw);
    model.off("change:error", showError);
    model.off("msg:custom", received);
  };
}

export default { render };
