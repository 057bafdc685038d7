# Build the Windows installer of LeadSynth.  Run in PowerShell from anywhere:
#
#   powershell -ExecutionPolicy Bypass -File installers\windows\build.ps1
#
# Needs: Python 3.11 (x64) with a venv at .venv holding the project's dependencies and
# PyInstaller (pip install -e ".[installer]"; the CPU torch wheel keeps the bundle small:
# pip install torch --index-url https://download.pytorch.org/whl/cpu), and Inno Setup 6
# (iscc.exe on PATH or in its default folder).
# Output: dist\LeadSynth\ and dist\LeadSynth-<version>-windows-x64-setup.exe
param(
    [string]$Python = ".venv\Scripts\python.exe",
    [switch]$Clean,
    [switch]$SkipBuild
)
$ErrorActionPreference = "Stop"
$Root = Resolve-Path (Join-Path $PSScriptRoot "..\..")
Set-Location $Root

$Version = (Select-String -Path "leadsynth_core\_version.py" -Pattern '^__version__\s*=\s*"([^"]+)"').Matches[0].Groups[1].Value
if (-not $Version) { throw "no __version__ in leadsynth_core\_version.py" }
if (-not (Test-Path $Python)) { throw "no Python at $Python (create .venv or pass -Python)" }

if (-not $SkipBuild) {
    $piArgs = @("-m", "PyInstaller", "--noconfirm", "--distpath", "dist", "--workpath", "build\pyinstaller")
    if ($Clean) { $piArgs += "--clean" }
    & $Python @piArgs "installers\leadsynth.spec"
    if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed ($LASTEXITCODE)" }
}

# Smoke test of the bundle before packing it.
$out = & "dist\LeadSynth\leadsynth.exe" --version
if ($out -ne "leadsynth $Version") { throw "leadsynth --version printed '$out'" }
$sample = "dist\LeadSynth\_internal\resources\samples\demo_12lead.h5"
$tmp = Join-Path $env:TEMP "leadsynth-smoke"
New-Item -ItemType Directory -Force $tmp | Out-Null
& "dist\LeadSynth\leadsynth.exe" synthesize $sample --inputs I,II,V2,V4 --out "$tmp\o"
if ($LASTEXITCODE -ne 0) { throw "leadsynth synthesize failed" }
# leadsynth-gui.exe is a windowed program: Start-Process -Wait to get its exit code.
$p = Start-Process -FilePath "dist\LeadSynth\leadsynth-gui.exe" -ArgumentList @($sample, "--screenshot", "$tmp\x.png") -Wait -PassThru
if ($p.ExitCode -ne 0 -or -not (Test-Path "$tmp\x.png")) { throw "leadsynth-gui --screenshot failed ($($p.ExitCode))" }
Write-Host "smoke test passed"

$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) {
    foreach ($c in @("${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe", "$env:ProgramFiles\Inno Setup 6\ISCC.exe", "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe")) {
        if (Test-Path $c) { $iscc = $c; break }
    }
}
if (-not $iscc) { throw "Inno Setup 6 (ISCC.exe) not found; install it from https://jrsoftware.org/isinfo.php" }
& $iscc "/DAppVersion=$Version" "installers\windows\leadsynth.iss"
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed ($LASTEXITCODE)" }
Write-Host "built dist\LeadSynth-$Version-windows-x64-setup.exe"
