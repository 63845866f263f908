// The main journey in headless Chromium, against the real `rise` binary:
// apply → approve → accept the invitation → commit → upload → see inequities → write a plan →
// adoption counted → follow-up uploaded → evidence computed → submitted → approved → counted
// as demonstrated impact on the public page → a forgotten password reset by mail. Screenshots of the main pages go to $RISE_SCREENSHOTS.
//
// Run by scripts/browser-test (which installs Chromium and builds the binary); by hand:
//   RISE_BIN=target/debug/rise node tests/browser/journey.mjs

import { chromium } from "playwright-core";
import { spawn, execFileSync } from "node:child_process";
import { connect } from "node:net";
import { copyFileSync, existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";

const bin = process.env.RISE_BIN;
assert.ok(bin, "set RISE_BIN to the rise binary");
const shots = process.env.RISE_SCREENSHOTS || join(tmpdir(), "rise-screenshots");
mkdirSync(shots, { recursive: true });
const work = mkdtempSync(join(tmpdir(), "rise-browser-"));
// Mail goes over SMTP to a real server (aiosmtpd, from scripts/smtp-sink-up) that files it
// in a Maildir.
const smtpPython = process.env.RISE_TEST_SMTP_PYTHON;
assert.ok(smtpPython, "set RISE_TEST_SMTP_PYTHON to a Python with aiosmtpd (scripts/smtp-sink-up)");
const smtpPort = 20000 + Math.floor(Math.random() * 20000);
const mailDir = join(work, "maildir", "new");

/** Starts the SMTP sink; resolves once it accepts connections. */
async function smtpSink() {
  const child = spawn(
    smtpPython,
    ["-m", "aiosmtpd", "-n", "-l", `127.0.0.1:${smtpPort}`, "-c", "aiosmtpd.handlers.Mailbox", join(work, "maildir")],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  for (let i = 0; i < 200; i++) {
    const up = await new Promise((resolve) => {
      const sock = connect(smtpPort, "127.0.0.1", () => { sock.end(); resolve(true); });
      sock.on("error", () => resolve(false));
    });
    if (up) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the SMTP sink did not start");
}
const ADMIN = { email: "admin@coalition.example", password: "a long admin password" };
const MEMBER_PASSWORD = "a long member password";

function rise(...args) {
  return execFileSync(bin, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Starts `rise serve` on a fresh database; resolves with its base URL. */
function serve() {
  const child = spawn(
    bin,
    [
      "serve", "--database-url", `sqlite://${join(work, "rise.db")}`, "--bind", "127.0.0.1:0",
      "--smtp-url", `smtp://127.0.0.1:${smtpPort}`, "--public-url", "http://rise.test",
    ],
    {
      // The server's request log would drown the journey's own lines: warnings and errors only.
      env: {
        RUST_LOG: "warn",
        ...process.env,
        RISE_ADMIN_EMAIL: ADMIN.email,
        RISE_ADMIN_PASSWORD: ADMIN.password,
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/serving on (http:\/\/[^/\s]+)/);
      if (m) resolve({ child, base: m[1] });
    });
    child.on("exit", (code) => reject(new Error(`rise serve exited (${code}):\n${out}`)));
  });
}

/** The path of the newest link in mail delivered to `to` that `pattern` finds (waits for
 * the mailer); by default an invitation. */
async function mailedLink(to, pattern = /http:\/\/rise\.test(\/invitations\/[0-9a-f]+)/) {
  for (let i = 0; i < 100; i++) {
    const names = existsSync(mailDir) ? readdirSync(mailDir) : [];
    for (const name of names) {
      // Undo quoted-printable soft line breaks before looking for the link.
      const text = readFileSync(join(mailDir, name), "utf8").replace(/=\r?\n/g, "");
      const m = text.match(pattern);
      if (new RegExp(`^To: ${to.replace(/\./g, "\\.")}\\s*$`, "m").test(text) && m) return m[1];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${to} matching ${pattern} in ${mailDir}`);
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

async function signIn(page, base, email, password) {
  await page.goto(`${base}/login`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await Promise.all([page.waitForNavigation(), page.click("main button[type=submit]")]);
}

const steps = [];
function step(name) {
  steps.push(name);
  console.log(`  • ${name}`);
}

let server;
let sink;
let browser;
try {
  // Data a member would analyse where it lives; only the aggregate file goes to the platform.
  rise("generate", "--patients", "4000", "--seed", "3", "--year", "2024", "--out", join(work, "data"), "--quiet");
  rise("analyze", join(work, "data"), "--out", join(work, "out"), "--period", "2024");
  sink = await smtpSink();
  server = await serve();
  const { base } = server;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  const ctx = () => browser.newContext({ viewport: { width: 1280, height: 900 } });

  // The public: the coalition's numbers and the framework, then an application.
  const pub = await (await ctx()).newPage();
  await pub.goto(base);
  await shot(pub, "01-home");
  const before = await pub.textContent("main");
  await pub.goto(`${base}/framework`);
  assert.match(await pub.textContent("main"), /race-based clinical algorithms/i);
  await shot(pub, "02-framework");
  step("the public sees the coalition and the framework");

  await pub.goto(`${base}/apply`);
  await pub.click("main button[type=submit]");
  assert.ok(await pub.isVisible(".field-error"), "an empty application is refused next to the fields");
  assert.equal(await pub.getAttribute("#name", "aria-invalid"), "true");
  await pub.fill("#name", "Riverside Community Health");
  await pub.selectOption("#kind", "community_health_center");
  await pub.selectOption("#state", "NM");
  await pub.fill("#contact_name", "Rosa Díaz");
  await pub.fill("#contact_email", "rosa@riverside.example");
  await pub.fill("#why", "Blood pressure control differs by race and language among our patients; we want to close that gap.");
  await shot(pub, "03-apply");
  await Promise.all([pub.waitForLoadState(), pub.click("main button[type=submit]")]);
  assert.match(await pub.textContent("main"), /Application received/);
  step("an organization applies (and is told what to fix first)");

  // Coalition staff approve; the invitation is mailed to the contact (the outbox shows staff
  // that it went, never its link).
  const staff = await (await ctx()).newPage();
  await signIn(staff, base, ADMIN.email, ADMIN.password);
  await staff.goto(`${base}/coalition/applications`);
  await shot(staff, "04-applications");
  const card = staff.locator("section.card", { hasText: "Riverside Community Health" });
  await Promise.all([staff.waitForNavigation(), card.locator("button[value=approve]").click()]);
  const link = await mailedLink("rosa@riverside.example");
  await staff.goto(`${base}/coalition/outbox`);
  await shot(staff, "04b-outbox");
  const outbox = await staff.textContent("main");
  assert.match(outbox, /rosa@riverside\.example/);
  assert.doesNotMatch(outbox, /\/invitations\//);
  step("an admin approves it; the contact is invited");

  // The applicant accepts and is signed in.
  const rosa = await (await ctx()).newPage();
  await rosa.goto(`${base}${link}`);
  await rosa.fill("#name", "Rosa Díaz");
  await rosa.fill("#password", MEMBER_PASSWORD);
  await rosa.fill("#password_again", MEMBER_PASSWORD);
  await Promise.all([rosa.waitForNavigation(), rosa.click("main button[type=submit]")]);
  assert.ok(rosa.url().endsWith("/org"), rosa.url());
  step("the contact accepts the invitation");

  // Commit in every category.
  for (;;) {
    const open = rosa.locator("section.card", { has: rosa.locator("p.todo") }).first();
    if ((await open.count()) === 0) break;
    // Nothing is pre-selected: the member chooses an action, then commits.
    await open.locator("form[action='/org/commitments'] select").selectOption({ index: 1 });
    const button = open.locator("form[action='/org/commitments'] button");
    await Promise.all([rosa.waitForNavigation(), button.click()]);
  }
  await rosa.goto(`${base}/org`);
  assert.match(await rosa.textContent("main"), /6 of 6/);
  await shot(rosa, "05-org-home");
  step("the member commits to an action in every category");

  // Upload the analysis folder's files.
  await rosa.goto(`${base}/org/datasets`);
  await rosa.fill("#label", "Baseline 2024");
  const out = join(work, "out");
  await rosa.setInputFiles("#files", readdirSync(out).map((f) => join(out, f)));
  await Promise.all([rosa.waitForNavigation(), rosa.click("main form[enctype] button[type=submit]")]);
  assert.match(rosa.url(), /\/org\/datasets\/\d+$/);
  const findings = await rosa.textContent("main");
  assert.match(findings, /The largest inequities/);
  assert.ok((await rosa.locator("main svg.chart").count()) > 3, "one chart per measure");
  await shot(rosa, "06-dataset");
  // The same page on a phone: charts keep one width and stay legible.
  await rosa.setViewportSize({ width: 390, height: 844 });
  await shot(rosa, "06b-dataset-phone");
  await rosa.setViewportSize({ width: 1280, height: 900 });
  // Its tables download as CSV, header first.
  const rates = await rosa.request.get(`${rosa.url()}?format=csv`);
  assert.match(rates.headers()["content-type"], /^text\/csv/);
  assert.match(await rates.text(), /^measure,measure_title,dimension,/);
  step("the member uploads its data set and sees its ranked inequities");

  // Plan for the largest inequity.
  await Promise.all([rosa.waitForNavigation(), rosa.click(".plan-links a >> nth=0")]);
  assert.notEqual(await rosa.inputValue("#inequity"), "", "the inequity is chosen from the link");
  await rosa.fill("#target", "150");
  await rosa.fill("#changes", "Community health workers call patients with uncontrolled blood pressure within a week.");
  await Promise.all([rosa.waitForLoadState(), rosa.click("main form[method=post] button[type=submit]")]);
  assert.ok(await rosa.isVisible("#target-error"), "an impossible target is refused next to its field");
  await rosa.fill("#target", "75");
  // The change starts with the new year, so 2024 is the baseline and 2025 the follow-up.
  await rosa.fill("#start_date", "2025-01-01");
  await rosa.fill("#target_date", "2025-12-31");
  const aim = (await rosa.inputValue("#inequity")).split("|");
  await shot(rosa, "07-plan-form");
  await Promise.all([rosa.waitForNavigation(), rosa.click("main form[method=post] button[type=submit]")]);
  assert.match(rosa.url(), /\/org\/plans\/\d+$/);
  const planUrl = rosa.url();
  assert.match(await rosa.textContent("main"), /75\.0%/);
  await shot(rosa, "08-plan");
  step("the member writes an action plan for that inequity");

  // Counted.
  await rosa.goto(`${base}/org`);
  assert.match(await rosa.textContent("main"), /Adopted on/);
  await staff.goto(`${base}/coalition`);
  assert.match(await staff.textContent("main"), /Riverside Community Health/);
  await shot(staff, "09-dashboard");
  await pub.goto(base);
  const after = await pub.textContent("main");
  assert.notEqual(after, before, "the public numbers moved");
  await shot(pub, "10-home-after");
  // What the public sees of members is counts, never a member's data set.
  await pub.goto(`${base}/org/datasets/1`);
  assert.match(pub.url(), /\/login\?next=/);
  step("the adoption is counted on the dashboard and the public page");

  // A year on, the team uploads 2025 from the same extract: here the 2024 counts with the
  // group brought to the reference group's rate (what a successful change would show).
  const [measure, dimension, group, reference] = aim;
  const lines = readFileSync(join(out, "aggregates.csv"), "utf8").trim().split("\n");
  const cells = lines.slice(1).map((l) => l.split(","));
  const refRow = cells.find((c) => c[0] === measure && c[1] === dimension && c[2] === reference);
  const refRate = Number(refRow[4]) / Number(refRow[5]);
  const followDir = join(work, "follow");
  mkdirSync(followDir, { recursive: true });
  const followed = cells.map((c) => {
    const row = [...c];
    row[3] = "2025";
    if (c[0] === measure && c[1] === dimension && c[2] === group) {
      row[4] = String(Math.round(Number(c[5]) * refRate));
    }
    return row.join(",");
  });
  writeFileSync(join(followDir, "aggregates.csv"), [lines[0], ...followed].join("\n") + "\n");
  copyFileSync(join(out, "measures.json"), join(followDir, "measures.json"));
  await rosa.goto(`${base}/org/datasets`);
  await rosa.fill("#label", "Follow-up 2025");
  await rosa.setInputFiles("#files", readdirSync(followDir).map((f) => join(followDir, f)));
  await Promise.all([rosa.waitForNavigation(), rosa.click("main form[enctype] button[type=submit]")]);
  assert.match(rosa.url(), /\/org\/datasets\/\d+$/);
  await rosa.goto(planUrl);
  const followOption = rosa.locator("#dataset_id option", { hasText: "Follow-up 2025" });
  await rosa.selectOption("#dataset_id", await followOption.getAttribute("value"));
  await Promise.all([rosa.waitForNavigation(), rosa.click("form[action$='/followups'] button")]);
  const evidence = await rosa.textContent("#evidence");
  assert.match(evidence, /Gap narrowed/, evidence);
  assert.match(evidence, /How Rise reached this/);
  assert.ok(await rosa.isVisible("#evidence svg"), "the evidence is charted");
  await rosa.locator("#evidence").scrollIntoViewIfNeeded();
  await shot(rosa, "14-evidence");
  step("follow-up data is uploaded and the evidence computed");

  await rosa.fill("#note", "Community health worker calls began in January 2025.");
  await Promise.all([rosa.waitForNavigation(), rosa.click("form[action$='/evidence'] button")]);
  assert.match(await rosa.textContent("#evidence"), /Awaiting review/);
  await staff.goto(`${base}/coalition/evidence`);
  assert.match(await staff.textContent("main"), /Riverside Community Health/);
  await shot(staff, "15-evidence-queue");
  await Promise.all([
    staff.waitForNavigation(),
    staff.locator("tr", { hasText: "Riverside Community Health" }).locator("a.button").click(),
  ]);
  assert.match(await staff.textContent("main"), /Community health worker calls began/);
  await shot(staff, "16-evidence-review");
  await staff.fill("#comment", "Clear, and the group itself improved.");
  await Promise.all([staff.waitForNavigation(), staff.click("button[value=approve]")]);
  await rosa.goto(planUrl);
  assert.match(await rosa.textContent("#evidence"), /Approved/);
  assert.match(await rosa.textContent("#evidence"), /Clear, and the group itself improved\./);
  await rosa.goto(`${base}/org`);
  assert.match(await rosa.textContent("main"), /Demonstrated impact/);
  await shot(rosa, "17-org-impact");
  await pub.goto(base);
  const impact = await pub.textContent("#impact");
  assert.match(impact, /Riverside Community Health/);
  await shot(pub, "18-home-impact");
  step("the evidence is submitted, approved and counted as demonstrated impact on the public page");

  // Rosa forgets her password: a link by mail, a new password, signed in; the old session ends.
  const laptop = await (await ctx()).newPage();
  await signIn(laptop, base, "rosa@riverside.example", MEMBER_PASSWORD);
  const forgot = await (await ctx()).newPage();
  await forgot.goto(`${base}/login`);
  await Promise.all([forgot.waitForNavigation(), forgot.click("text=Forgot your password?")]);
  await forgot.fill("#email", "rosa@riverside.example");
  await Promise.all([forgot.waitForLoadState(), forgot.click("main button[type=submit]")]);
  assert.match(await forgot.textContent("main"), /a link to choose a new password is on its way/);
  await shot(forgot, "11-reset-asked");
  const reset = await mailedLink("rosa@riverside.example", /http:\/\/rise\.test(\/reset\/[0-9a-f]+)/);
  await forgot.goto(`${base}${reset}`);
  const NEW_PASSWORD = "copper meadow violin 77";
  await forgot.fill("#password", NEW_PASSWORD);
  await forgot.fill("#password_again", NEW_PASSWORD);
  await shot(forgot, "12-reset-form");
  await Promise.all([forgot.waitForNavigation(), forgot.click("main button[type=submit]")]);
  assert.match(forgot.url(), /\/org$/);
  await laptop.goto(`${base}/org`);
  assert.match(laptop.url(), /\/login\?next=/, "the other session ended");
  await forgot.goto(`${base}/account`);
  await shot(forgot, "13-account");
  step("a forgotten password is reset by mail; other sessions end");

  console.log(`browser journey: ${steps.length} steps passed; screenshots in ${shots}`);
} finally {
  if (browser) await browser.close();
  if (server) server.child.kill();
  if (sink) sink.kill();
  rmSync(work, { recursive: true, force: true });
}
