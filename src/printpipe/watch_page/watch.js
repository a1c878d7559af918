// The live proof: polls /state.json and redraws the spreads when a new build lands.
"use strict";
const POLL_MS = 400;
const SCREEN_PX_PER_PT = 96 / 72;
let shownGeneration = null;
let shownAttempt = null;

const guides = document.getElementById("guides");
guides.checked = localStorage.getItem("printpipe-guides") !== "off";
document.body.classList.toggle("no-guides", !guides.checked);
guides.addEventListener("change", () => {
  document.body.classList.toggle("no-guides", !guides.checked);
  localStorage.setItem("printpipe-guides", guides.checked ? "on" : "off");
});

function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== null) node.textContent = text;
  return node;
}

function svgRect(svg, box, media, colour) {
  // PDF boxes have y up; the SVG's viewBox is the media box with y down.
  const rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
  rect.setAttribute("x", box[0] - media[0]);
  rect.setAttribute("y", media[3] - box[3]);
  rect.setAttribute("width", box[2] - box[0]);
  rect.setAttribute("height", box[3] - box[1]);
  rect.setAttribute("fill", "none");
  rect.setAttribute("stroke", colour);
  rect.setAttribute("stroke-width", "0.75");
  rect.setAttribute("class", "guide");
  svg.appendChild(rect);
}

function pageFigure(state, number, findingsByPage) {
  const page = state.pages[number - 1];
  const media = page.media;
  const width = (media[2] - media[0]) * SCREEN_PX_PER_PT;
  const height = (media[3] - media[1]) * SCREEN_PX_PER_PT;
  const figure = el("figure", { class: "page", id: `page-${number}`, "data-page": number });
  figure.style.width = `${width}px`;
  figure.style.height = `${height}px`;
  figure.appendChild(el("img", {
    src: `/page/${state.generation}/${number}.png`, alt: `page ${number}`,
    loading: "lazy", "data-page": number,
  }));
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${media[2] - media[0]} ${media[3] - media[1]}`);
  svgRect(svg, page.bleed, media, "cyan");
  svgRect(svg, page.trim, media, "magenta");
  svgRect(svg, page.safe, media, "#0a0");
  figure.appendChild(svg);
  const pinned = findingsByPage.get(number) || [];
  if (pinned.length) {
    const worst = pinned.some((f) => f.severity === "error") ? "error" : "warning";
    const pin = el("div", { class: `pin ${worst}`, title: pinned.map((f) => f.message).join("\n") },
      pinned.length === 1 ? pinned[0].message : `${pinned[0].message} (+${pinned.length - 1} more)`);
    figure.appendChild(pin);
  }
  figure.appendChild(el("figcaption", {}, String(number)));
  return figure;
}

function drawFindings(state) {
  const section = document.getElementById("findings");
  const list = document.getElementById("finding-list");
  list.replaceChildren();
  for (const finding of state.findings) {
    const item = el("li", { class: finding.severity });
    item.appendChild(el("span", {}, `${finding.where ? finding.where + ": " : ""}${finding.severity}: ${finding.message}`));
    for (const number of finding.pages) {
      item.appendChild(el("a", { href: `#page-${number}` }, `page ${number}`));
    }
    list.appendChild(item);
  }
  section.hidden = state.findings.length === 0;
}

function drawSpreads(state) {
  const byPage = new Map();
  for (const finding of state.findings) {
    for (const number of finding.pages) {
      if (!byPage.has(number)) byPage.set(number, []);
      byPage.get(number).push(finding);
    }
  }
  const main = document.getElementById("spreads");
  const spreads = [];
  state.spreads.forEach(([left, right], index) => {
    const spread = el("div", { class: "spread", "data-spread": index + 1 });
    for (const side of [left, right]) {
      if (side === null) {
        const other = state.pages[(left ?? right)];
        const blank = el("div", { class: "page empty" });
        blank.style.width = `${(other.media[2] - other.media[0]) * SCREEN_PX_PER_PT}px`;
        spread.appendChild(blank);
      } else {
        spread.appendChild(pageFigure(state, side + 1, byPage));
      }
    }
    spreads.push(spread);
  });
  main.replaceChildren(...spreads);
}

function drawStatus(state) {
  const status = document.getElementById("status");
  status.dataset.generation = state.generation ?? "";
  status.dataset.attempt = state.attempt;
  status.dataset.ok = state.ok;
  const pages = state.pages.length;
  let text = state.generation === null ? "no good build yet" : `build ${state.generation}: ${pages} pages`;
  if (state.building) text += " · rebuilding…";
  else if (!state.ok) text += " · last rebuild failed";
  else text += ` · built in ${state.took.toFixed(1)} s`;
  status.textContent = text;
  const errors = document.getElementById("errors");
  errors.hidden = state.ok || state.building || state.errors.length === 0;
  document.getElementById("error-text").textContent = state.errors.join("\n\n");
}

async function poll() {
  try {
    const response = await fetch("/state.json", { cache: "no-store" });
    const state = await response.json();
    if (state.generation !== shownGeneration) {
      drawSpreads(state);
      drawFindings(state);
      shownGeneration = state.generation;
    }
    if (state.attempt !== shownAttempt || state.building) {
      shownAttempt = state.building ? null : state.attempt;
    }
    drawStatus(state);
  } catch (error) {
    document.getElementById("status").textContent = "the watcher has stopped";
  }
  setTimeout(poll, POLL_MS);
}

poll();
