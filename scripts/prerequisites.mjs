// What the console's commands need from the machine beyond npm, checked before they start so a
// fresh machine gets one clear message instead of failures deep inside a suite. Run as
// `node scripts/prerequisites.mjs <purpose…> [--install]`; `npm test` and `npm run serve` call
// it. As root with apt-get, `npm test` installs missing Debian packages itself; anywhere else it
// stops and prints the command that installs them.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');

function onPath(command) {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .some((dir) => {
      try {
        accessSync(join(dir, command), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Debian packages, each with how to tell it is there (a binary, a folder) on any distribution. */
const debianPackages = {
  chromium: {
    why: 'the browser the e2e tests drive',
    present: () => executable(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'),
  },
  mosquitto: {
    why: 'the real MQTT broker of the integration tests',
    present: () => executable(process.env.MOSQUITTO_BIN ?? '/usr/sbin/mosquitto'),
  },
  openssl: { why: 'test certificates', present: () => onPath('openssl') },
  unzip: { why: 'reading exported evidence packages back', present: () => onPath('unzip') },
  'fonts-liberation': {
    why: 'the fonts the e2e screenshots are drawn with',
    present: () => existsSync('/usr/share/fonts/truetype/liberation'),
  },
  iproute2: { why: 'the loopback-only test namespace (`ip`)', present: () => onPath('ip') },
  'util-linux': { why: 'the loopback-only test namespace (`unshare`)', present: () => onPath('unshare') },
  python3: { why: 'building better-sqlite3 in `npm ci`', present: () => onPath('python3') },
  make: { why: 'building better-sqlite3 in `npm ci`', present: () => onPath('make') },
  'g++': { why: 'building better-sqlite3 in `npm ci`', present: () => onPath('g++') },
};

/** Which packages each purpose needs. `ci` is `.ci/run`: the build tools, the namespace and the tests. */
const packagesFor = {
  test: ['chromium', 'mosquitto', 'openssl', 'unzip', 'fonts-liberation'],
  serve: [],
  ci: [
    'python3',
    'make',
    'g++',
    'iproute2',
    'util-linux',
    'chromium',
    'mosquitto',
    'openssl',
    'unzip',
    'fonts-liberation',
  ],
};

/**
 * Native npm modules that must load in this Node (not an Electron ABI build, not a failed build),
 * with what repairs each: better-sqlite3 is compiled here, @roamhq/wrtc ships its binary in a
 * per-platform package that only a fresh install brings.
 */
const nativeModuleRepair = { 'better-sqlite3': 'npm rebuild better-sqlite3', '@roamhq/wrtc': 'npm ci' };
const nativeModulesFor = {
  test: ['better-sqlite3', '@roamhq/wrtc'],
  serve: ['better-sqlite3', '@roamhq/wrtc'],
  ci: [],
};

function nodeModuleProblems(modules) {
  if (modules.length === 0) return [];
  if (!existsSync(join(root, 'node_modules'))) {
    return [
      'node_modules is missing: run `ELECTRON_SKIP_BINARY_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci` first',
    ];
  }
  const require = createRequire(join(root, 'package.json'));
  const problems = [];
  for (const name of modules) {
    // A child process, so a module that crashes on load cannot take this check down with it.
    const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(name)})`], {
      cwd: root,
      encoding: 'utf8',
    });
    if (probe.status === 0) continue;
    let resolved = true;
    try {
      require.resolve(name);
    } catch {
      resolved = false;
    }
    const reason =
      (probe.stderr ?? '')
        .split('\n')
        .map((line) => line.trim())
        .find((line) => /^[A-Za-z]*Error\b/.test(line)) ?? `exit ${probe.status ?? probe.signal}`;
    problems.push(
      resolved
        ? `${name} does not load in Node ${process.version} (${reason}); run \`${nativeModuleRepair[name]}\``
        : `${name} is not installed; run \`npm ci\``,
    );
  }
  return problems;
}

function canInstall() {
  return process.platform === 'linux' && process.getuid?.() === 0 && onPath('apt-get') && onPath('dpkg');
}

function aptInstall(packages) {
  process.stdout.write(`Installing Debian packages: ${packages.join(' ')}\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', ...packages], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env,
  });
}

/**
 * Checks (and, when `install` is set and this is root with apt, installs) what `purposes` need.
 * Returns the message to stop with, or undefined when everything is there.
 */
export function prerequisitesMessage(purposes, { install = false } = {}) {
  const wanted = [...new Set(purposes.flatMap((purpose) => packagesFor[purpose]))];
  let missing = wanted.filter((name) => !debianPackages[name].present());
  const lines = [];
  if (missing.length > 0 && install && canInstall()) {
    try {
      aptInstall(missing);
    } catch (error) {
      lines.push(`apt-get could not install them: ${error.message}`);
    }
    missing = missing.filter((name) => !debianPackages[name].present());
  }
  const modules = [...new Set(purposes.flatMap((purpose) => nativeModulesFor[purpose]))];
  const moduleProblems = nodeModuleProblems(modules);
  if (missing.length === 0 && moduleProblems.length === 0) return undefined;
  if (missing.length > 0) {
    lines.unshift(
      'Missing Debian packages:',
      ...missing.map((name) => `  ${name.padEnd(17)} ${debianPackages[name].why}`),
      'Install them with:',
      `  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`,
    );
  }
  if (moduleProblems.length > 0) lines.push('npm modules:', ...moduleProblems.map((line) => `  ${line}`));
  return lines.join('\n');
}

function usage() {
  return `usage: node scripts/prerequisites.mjs <${Object.keys(packagesFor).join('|')}>… [--install]`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const install = args.includes('--install');
  const purposes = args.filter((arg) => arg !== '--install');
  const unknown = purposes.filter((purpose) => !(purpose in packagesFor));
  if (purposes.length === 0 || unknown.length > 0) {
    process.stderr.write(
      `${unknown.length > 0 ? `unknown purpose: ${unknown.join(', ')}\n` : ''}${usage()}\n`,
    );
    process.exit(2);
  }
  const message = prerequisitesMessage(purposes, { install });
  if (message) {
    process.stderr.write(`\nThis machine is not ready for ${purposes.join(', ')}.\n${message}\n\n`);
    process.exit(1);
  }
}
