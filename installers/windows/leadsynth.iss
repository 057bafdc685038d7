; Inno Setup 6 script: installs the PyInstaller one-folder build of LeadSynth on Windows.
; Built by build.ps1, which passes the version from leadsynth_core/_version.py:
;   iscc /DAppVersion=0.1.0 installers\windows\leadsynth.iss
; Input:  dist\LeadSynth\  (leadsynth-gui.exe, leadsynth.exe, _internal\)
; Output: dist\LeadSynth-<version>-windows-x64-setup.exe

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z leadsynth.iss (build.ps1 does)
#endif
#define AppName "LeadSynth"
#define GuiExe "leadsynth-gui.exe"
; One ProgID per file type, so Explorer can show a distinct description for each.
#define ProgIdHea "LeadSynth.WfdbHeader"
#define ProgIdH5 "LeadSynth.Hdf5"

[Setup]
; A fixed AppId ties upgrades and the uninstaller to one product: never change it.
AppId={{6B3C0C52-8E0F-4C52-9B1E-1E3D4C1A5E01}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=LeadSynth developers
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per-user install without administrator rights by default (clinic PCs are often locked
; down); the dialog offers an all-users install to those who have them.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
ChangesAssociations=yes
SetupIconFile=..\..\resources\icons\leadsynth.ico
UninstallDisplayIcon={app}\{#GuiExe}
OutputDir=..\..\dist
OutputBaseFilename=LeadSynth-{#AppVersion}-windows-x64-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "assoc"; Description: "Open .hea, .h5 and .hdf5 files with LeadSynth (Open with)"; GroupDescription: "File types:"

[Files]
; The whole one-folder bundle; files of an older version are removed first ([InstallDelete]).
Source: "..\..\dist\LeadSynth\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#GuiExe}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#GuiExe}"; Tasks: desktopicon

[Registry]
; ProgIDs: how LeadSynth opens each type.  HKA = HKCU for a per-user install, HKLM for all users.
Root: HKA; Subkey: "Software\Classes\{#ProgIdHea}"; ValueType: string; ValueName: ""; ValueData: "WFDB ECG record header"; Flags: uninsdeletekey; Tasks: assoc
Root: HKA; Subkey: "Software\Classes\{#ProgIdHea}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#GuiExe},0"; Tasks: assoc
Root: HKA; Subkey: "Software\Classes\{#ProgIdHea}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\leadsynth-gui.exe"" ""%1"""; Tasks: assoc
Root: HKA; Subkey: "Software\Classes\{#ProgIdH5}"; ValueType: string; ValueName: ""; ValueData: "HDF5 ECG recording"; Flags: uninsdeletekey; Tasks: assoc
Root: HKA; Subkey: "Software\Classes\{#ProgIdH5}\DefaultIcon"; ValueType: string; ValueName: ""; ValueData: "{app}\{#GuiExe},0"; Tasks: assoc
Root: HKA; Subkey: "Software\Classes\{#ProgIdH5}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\leadsynth-gui.exe"" ""%1"""; Tasks: assoc
; Listed under "Open with" for each extension.  Only .hea becomes LeadSynth's by default when
; nothing else owns it; .h5/.hdf5 belong to many scientific tools, so LeadSynth is offered,
; never imposed (Windows then asks the user once).
Root: HKA; Subkey: "Software\Classes\.hea\OpenWithProgids"; ValueType: string; ValueName: "{#ProgIdHea}"; ValueData: ""; Flags: uninsdeletevalue; Tasks: assoc
Root: HKA; Subkey: "Software\Classes\.hea"; ValueType: string; ValueName: ""; ValueData: "{#ProgIdHea}"; Flags: createvalueifdoesntexist uninsdeletevalue; Tasks: assoc
Root: HKA; Subkey: "Software\Classes\.h5\OpenWithProgids"; ValueType: string; ValueName: "{#ProgIdH5}"; ValueData: ""; Flags: uninsdeletevalue; Tasks: assoc
Root: HKA; Subkey: "Software\Classes\.hdf5\OpenWithProgids"; ValueType: string; ValueName: "{#ProgIdH5}"; ValueData: ""; Flags: uninsdeletevalue; Tasks: assoc
; "Open with" lists the application by name and only for the types it supports.
Root: HKA; Subkey: "Software\Classes\Applications\{#GuiExe}"; ValueType: string; ValueName: "FriendlyAppName"; ValueData: "{#AppName}"; Flags: uninsdeletekey; Tasks: assoc
Root: HKA; Subkey: "Software\Classes\Applications\{#GuiExe}\SupportedTypes"; ValueType: string; ValueName: ".hea"; ValueData: ""; Tasks: assoc
Root: HKA; Subkey: "Software\Classes\Applications\{#GuiExe}\SupportedTypes"; ValueType: string; ValueName: ".h5"; ValueData: ""; Tasks: assoc
Root: HKA; Subkey: "Software\Classes\Applications\{#GuiExe}\SupportedTypes"; ValueType: string; ValueName: ".hdf5"; ValueData: ""; Tasks: assoc
Root: HKA; Subkey: "Software\Classes\Applications\{#GuiExe}\shell\open\command"; ValueType: string; ValueName: ""; ValueData: """{app}\leadsynth-gui.exe"" ""%1"""; Tasks: assoc

[Run]
Filename: "{app}\{#GuiExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
