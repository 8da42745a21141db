package pluginpb

import (
	"fmt"
	"strconv"
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// ReplyKind says whether a command makes the guest read a reply line from its
// stdin while the command is being handled.
type ReplyKind uint8

const (
	// ReplyNone: the guest reads nothing. Writing a line anyway would be read
	// by the next update, pipe or worker call and corrupt the stream.
	ReplyNone ReplyKind = iota
	// ReplyStrict: the guest reads exactly one line and panics if none comes.
	// An empty message (`[]`) is always accepted.
	ReplyStrict
	// ReplyLenient: the guest reads one line but tolerates a missing or
	// empty one. Hosts should still write exactly one line.
	ReplyLenient
)

// String returns "none", "strict" or "lenient".
func (k ReplyKind) String() string {
	switch k {
	case ReplyNone:
		return "none"
	case ReplyStrict:
		return "strict"
	case ReplyLenient:
		return "lenient"
	}
	return "ReplyKind(" + strconv.Itoa(int(k)) + ")"
}

// ReadsReply reports whether the guest reads a reply line (strict or lenient).
func (k ReplyKind) ReadsReply() bool { return k == ReplyStrict || k == ReplyLenient }

type commandInfo struct {
	payload  protoreflect.FieldNumber // PluginCommand oneof field the guest fills, 0 if none
	reply    ReplyKind
	newReply func() proto.Message // empty reply message, nil when reply is ReplyNone
	perm     PermissionType
	gated    bool // perm applies (plugins that are not built in need it)
}

// maxCommandName is the highest CommandName value.
const maxCommandName = CommandName_FocusHostSession

// commandTable describes every command, indexed by its number. Facts from the
// command table of the ABI specification (payload field, stdin reply,
// permission for plugins that are not built in).
var commandTable = [maxCommandName + 1]commandInfo{
	CommandName_Subscribe:                         {payload: 2},
	CommandName_Unsubscribe:                       {payload: 3},
	CommandName_SetSelectable:                     {payload: 4},
	CommandName_GetPluginIds:                      {payload: 0, reply: ReplyStrict, newReply: func() proto.Message { return new(PluginIds) }},
	CommandName_GetZellijVersion:                  {payload: 0, reply: ReplyStrict, newReply: func() proto.Message { return new(ZellijVersion) }},
	CommandName_OpenFile:                          {payload: 5, reply: ReplyLenient, newReply: func() proto.Message { return new(OpenFileResponse) }, perm: PermissionType_OpenFiles, gated: true},
	CommandName_OpenFileFloating:                  {payload: 6, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenFileFloatingResponse) }, perm: PermissionType_OpenFiles, gated: true},
	CommandName_OpenTerminal:                      {payload: 7, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenTerminalResponse) }, perm: PermissionType_OpenTerminalsOrPlugins, gated: true},
	CommandName_OpenTerminalFloating:              {payload: 8, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenTerminalFloatingResponse) }, perm: PermissionType_OpenTerminalsOrPlugins, gated: true},
	CommandName_OpenCommandPane:                   {payload: 9, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenCommandPaneResponse) }, perm: PermissionType_RunCommands, gated: true},
	CommandName_OpenCommandPaneFloating:           {payload: 10, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenCommandPaneFloatingResponse) }, perm: PermissionType_RunCommands, gated: true},
	CommandName_SwitchTabTo:                       {payload: 11, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_SetTimeout:                        {payload: 12},
	CommandName_ExecCmd:                           {payload: 13, perm: PermissionType_RunCommands, gated: true},
	CommandName_PostMessageTo:                     {payload: 14},
	CommandName_PostMessageToPlugin:               {payload: 15},
	CommandName_HideSelf:                          {payload: 0},
	CommandName_ShowSelf:                          {payload: 16},
	CommandName_SwitchToMode:                      {payload: 17, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_NewTabsWithLayout:                 {payload: 18, reply: ReplyStrict, newReply: func() proto.Message { return new(NewTabsResponse) }, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_NewTab:                            {payload: 112, reply: ReplyStrict, newReply: func() proto.Message { return new(NewTabResponse) }, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_GoToNextTab:                       {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_GoToPreviousTab:                   {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_Resize:                            {payload: 19, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ResizeWithDirection:               {payload: 20, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_FocusNextPane:                     {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_FocusPreviousPane:                 {payload: 0},
	CommandName_MoveFocus:                         {payload: 21, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_MoveFocusOrTab:                    {payload: 22, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_Detach:                            {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_EditScrollback:                    {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_Write:                             {payload: 23, perm: PermissionType_WriteToStdin, gated: true},
	CommandName_WriteChars:                        {payload: 24, perm: PermissionType_WriteToStdin, gated: true},
	CommandName_ToggleTab:                         {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_MovePane:                          {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_MovePaneWithDirection:             {payload: 25, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ClearScreen:                       {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ScrollUp:                          {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ScrollDown:                        {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ScrollToTop:                       {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ScrollToBottom:                    {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_PageScrollUp:                      {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_PageScrollDown:                    {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ToggleFocusFullscreen:             {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_TogglePaneFrames:                  {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_TogglePaneEmbedOrEject:            {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_UndoRenamePane:                    {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_CloseFocus:                        {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ToggleActiveTabSync:               {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_CloseFocusedTab:                   {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_UndoRenameTab:                     {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_QuitZellij:                        {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_PreviousSwapLayout:                {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_NextSwapLayout:                    {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_GoToTabName:                       {payload: 26, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_FocusOrCreateTab:                  {payload: 27, reply: ReplyStrict, newReply: func() proto.Message { return new(FocusOrCreateTabResponse) }, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_GoToTab:                           {payload: 28, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_StartOrReloadPlugin:               {payload: 29, perm: PermissionType_OpenTerminalsOrPlugins, gated: true},
	CommandName_CloseTerminalPane:                 {payload: 30, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ClosePluginPane:                   {payload: 31, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_FocusTerminalPane:                 {payload: 32, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_FocusPluginPane:                   {payload: 33, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_RenameTerminalPane:                {payload: 34, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_RenamePluginPane:                  {payload: 35, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_RenameTab:                         {payload: 36, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ReportCrash:                       {payload: 37},
	CommandName_RequestPluginPermissions:          {payload: 38},
	CommandName_SwitchSession:                     {payload: 39, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_OpenTerminalInPlace:               {payload: 41, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenTerminalInPlaceResponse) }, perm: PermissionType_OpenTerminalsOrPlugins, gated: true},
	CommandName_OpenCommandInPlace:                {payload: 42, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenCommandPaneInPlaceResponse) }, perm: PermissionType_RunCommands, gated: true},
	CommandName_OpenFileInPlace:                   {payload: 40, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenFileInPlaceResponse) }, perm: PermissionType_OpenFiles, gated: true},
	CommandName_RunCommand:                        {payload: 43, perm: PermissionType_RunCommands, gated: true},
	CommandName_WebRequest:                        {payload: 44, perm: PermissionType_WebAccess, gated: true},
	CommandName_DeleteDeadSession:                 {payload: 45, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_DeleteAllDeadSessions:             {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_RenameSession:                     {payload: 46, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_UnblockCliPipeInput:               {payload: 47, perm: PermissionType_ReadCliPipes, gated: true},
	CommandName_BlockCliPipeInput:                 {payload: 48, perm: PermissionType_ReadCliPipes, gated: true},
	CommandName_CliPipeOutput:                     {payload: 49, perm: PermissionType_ReadCliPipes, gated: true},
	CommandName_MessageToPlugin:                   {payload: 50, perm: PermissionType_MessageAndLaunchOtherPlugins, gated: true},
	CommandName_DisconnectOtherClients:            {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_KillSessions:                      {payload: 60, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ScanHostFolder:                    {payload: 61},
	CommandName_WatchFilesystem:                   {payload: 0},
	CommandName_DumpSessionLayout:                 {payload: 133, reply: ReplyLenient, newReply: func() proto.Message { return new(DumpSessionLayoutResponse) }, perm: PermissionType_ReadApplicationState, gated: true},
	CommandName_CloseSelf:                         {payload: 0},
	CommandName_NewTabsWithLayoutInfo:             {payload: 62, reply: ReplyStrict, newReply: func() proto.Message { return new(NewTabsResponse) }, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_Reconfigure:                       {payload: 63, perm: PermissionType_Reconfigure, gated: true},
	CommandName_HidePaneWithId:                    {payload: 64, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ShowPaneWithId:                    {payload: 65, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_OpenCommandPaneBackground:         {payload: 66, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenCommandPaneBackgroundResponse) }, perm: PermissionType_RunCommands, gated: true},
	CommandName_RerunCommandPane:                  {payload: 67, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ResizePaneIdWithDirection:         {payload: 68, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_EditScrollbackForPaneWithId:       {payload: 69, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_WriteToPaneId:                     {payload: 70, perm: PermissionType_WriteToStdin, gated: true},
	CommandName_WriteCharsToPaneId:                {payload: 71, perm: PermissionType_WriteToStdin, gated: true},
	CommandName_MovePaneWithPaneId:                {payload: 72, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_MovePaneWithPaneIdInDirection:     {payload: 73, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ClearScreenForPaneId:              {payload: 74, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ScrollUpInPaneId:                  {payload: 75, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ScrollDownInPaneId:                {payload: 76, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ScrollToTopInPaneId:               {payload: 77, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ScrollToBottomInPaneId:            {payload: 78, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_PageScrollUpInPaneId:              {payload: 79, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_PageScrollDownInPaneId:            {payload: 80, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_TogglePaneIdFullscreen:            {payload: 81, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_TogglePaneEmbedOrEjectForPaneId:   {payload: 82, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_CloseTabWithIndex:                 {payload: 83, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_BreakPanesToNewTab:                {payload: 84, reply: ReplyStrict, newReply: func() proto.Message { return new(BreakPanesToNewTabResponse) }, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_BreakPanesToTabWithIndex:          {payload: 85, reply: ReplyStrict, newReply: func() proto.Message { return new(BreakPanesToTabWithIndexResponse) }, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ReloadPlugin:                      {payload: 86, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_LoadNewPlugin:                     {payload: 87, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_RebindKeys:                        {payload: 88, perm: PermissionType_Reconfigure, gated: true},
	CommandName_ListClients:                       {payload: 0, perm: PermissionType_ReadApplicationState, gated: true},
	CommandName_ChangeHostFolder:                  {payload: 89, perm: PermissionType_FullHdAccess, gated: true},
	CommandName_SetFloatingPanePinned:             {payload: 90, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_StackPanes:                        {payload: 91, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ChangeFloatingPanesCoordinates:    {payload: 92, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_OpenCommandPaneNearPlugin:         {payload: 93, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenCommandPaneNearPluginResponse) }, perm: PermissionType_RunCommands, gated: true},
	CommandName_OpenTerminalNearPlugin:            {payload: 94, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenTerminalNearPluginResponse) }, perm: PermissionType_OpenTerminalsOrPlugins, gated: true},
	CommandName_OpenTerminalFloatingNearPlugin:    {payload: 95, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenTerminalFloatingNearPluginResponse) }, perm: PermissionType_OpenTerminalsOrPlugins, gated: true},
	CommandName_OpenTerminalInPlaceOfPlugin:       {payload: 96, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenTerminalInPlaceOfPluginResponse) }, perm: PermissionType_OpenTerminalsOrPlugins, gated: true},
	CommandName_OpenCommandPaneFloatingNearPlugin: {payload: 97, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenCommandPaneFloatingNearPluginResponse) }, perm: PermissionType_RunCommands, gated: true},
	CommandName_OpenCommandPaneInPlaceOfPlugin:    {payload: 98, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenCommandPaneInPlaceOfPluginResponse) }, perm: PermissionType_RunCommands, gated: true},
	CommandName_OpenFileNearPlugin:                {payload: 99, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenFileNearPluginResponse) }, perm: PermissionType_OpenFiles, gated: true},
	CommandName_OpenFileFloatingNearPlugin:        {payload: 100, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenFileFloatingNearPluginResponse) }, perm: PermissionType_OpenFiles, gated: true},
	CommandName_OpenFileInPlaceOfPlugin:           {payload: 101, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenFileInPlaceOfPluginResponse) }, perm: PermissionType_OpenFiles, gated: true},
	CommandName_StartWebServer:                    {payload: 0, perm: PermissionType_StartWebServer, gated: true},
	CommandName_GroupAndUngroupPanes:              {payload: 102, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_HighlightAndUnhighlightPanes:      {payload: 103, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_CloseMultiplePanes:                {payload: 104, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_FloatMultiplePanes:                {payload: 105, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_EmbedMultiplePanes:                {payload: 106, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ShareCurrentSession:               {payload: 0, perm: PermissionType_StartWebServer, gated: true},
	CommandName_StopSharingCurrentSession:         {payload: 0, perm: PermissionType_StartWebServer, gated: true},
	CommandName_StopWebServer:                     {payload: 0, perm: PermissionType_StartWebServer, gated: true},
	CommandName_QueryWebServerStatus:              {payload: 0, perm: PermissionType_StartWebServer, gated: true},
	CommandName_SetSelfMouseSelectionSupport:      {payload: 107},
	CommandName_GenerateWebLoginToken:             {payload: 108, reply: ReplyStrict, newReply: func() proto.Message { return new(CreateTokenResponse) }, perm: PermissionType_StartWebServer, gated: true},
	CommandName_RevokeWebLoginToken:               {payload: 109, reply: ReplyStrict, newReply: func() proto.Message { return new(RevokeTokenResponse) }, perm: PermissionType_StartWebServer, gated: true},
	CommandName_ListWebLoginTokens:                {payload: 0, reply: ReplyStrict, newReply: func() proto.Message { return new(ListTokensResponse) }, perm: PermissionType_StartWebServer, gated: true},
	CommandName_RevokeAllWebLoginTokens:           {payload: 0, reply: ReplyStrict, newReply: func() proto.Message { return new(RevokeAllWebTokensResponse) }, perm: PermissionType_StartWebServer, gated: true},
	CommandName_RenameWebLoginToken:               {payload: 110, reply: ReplyStrict, newReply: func() proto.Message { return new(RenameWebTokenResponse) }, perm: PermissionType_StartWebServer, gated: true},
	CommandName_InterceptKeyPresses:               {payload: 0, perm: PermissionType_InterceptInput, gated: true},
	CommandName_ClearKeyPressesIntercepts:         {payload: 0, perm: PermissionType_InterceptInput, gated: true},
	CommandName_ReplacePaneWithExistingPane:       {payload: 111, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_GetPaneScrollback:                 {payload: 113, reply: ReplyLenient, newReply: func() proto.Message { return new(PaneScrollbackResponse) }, perm: PermissionType_ReadPaneContents, gated: true},
	CommandName_RunAction:                         {payload: 114, perm: PermissionType_RunActionsAsUser, gated: true},
	CommandName_ShowCursor:                        {payload: 119},
	CommandName_CopyToClipboard:                   {payload: 120, perm: PermissionType_WriteToClipboard, gated: true},
	CommandName_SendSigintToPaneId:                {payload: 121, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_SendSigkillToPaneId:               {payload: 122, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_GetPanePid:                        {payload: 123, reply: ReplyLenient, newReply: func() proto.Message { return new(GetPanePidResponse) }, perm: PermissionType_ReadApplicationState, gated: true},
	CommandName_OverrideLayout:                    {payload: 124, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_SaveLayout:                        {payload: 125, reply: ReplyLenient, newReply: func() proto.Message { return new(SaveLayoutResponse) }, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_DeleteLayout:                      {payload: 126, reply: ReplyLenient, newReply: func() proto.Message { return new(DeleteLayoutResponse) }, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_EditLayout:                        {payload: 127, reply: ReplyLenient, newReply: func() proto.Message { return new(EditLayoutResponse) }, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_GenerateRandomName:                {payload: 128, reply: ReplyStrict, newReply: func() proto.Message { return new(GenerateRandomNameResponse) }, perm: PermissionType_ReadApplicationState, gated: true},
	CommandName_DumpLayout:                        {payload: 129, reply: ReplyLenient, newReply: func() proto.Message { return new(DumpLayoutResponse) }, perm: PermissionType_ReadApplicationState, gated: true},
	CommandName_ParseLayout:                       {payload: 130, reply: ReplyLenient, newReply: func() proto.Message { return new(ParseLayoutResponse) }, perm: PermissionType_ReadApplicationState, gated: true},
	CommandName_RenameLayout:                      {payload: 131, reply: ReplyLenient, newReply: func() proto.Message { return new(RenameLayoutResponse) }, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_GetLayoutDir:                      {payload: 132, reply: ReplyStrict, newReply: func() proto.Message { return new(GetLayoutDirResponse) }, perm: PermissionType_ReadApplicationState, gated: true},
	CommandName_GetFocusedPaneInfo:                {payload: 134, reply: ReplyStrict, newReply: func() proto.Message { return new(GetFocusedPaneInfoResponse) }, perm: PermissionType_ReadApplicationState, gated: true},
	CommandName_TogglePaneBorderless:              {payload: 135, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_SetPaneBorderless:                 {payload: 136, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_SaveSession:                       {payload: 137, reply: ReplyLenient, newReply: func() proto.Message { return new(SaveSessionResponse) }, perm: PermissionType_ReadApplicationState, gated: true},
	CommandName_CurrentSessionLastSavedTime:       {payload: 138, reply: ReplyStrict, newReply: func() proto.Message { return new(CurrentSessionLastSavedTimeResponse) }, perm: PermissionType_ReadApplicationState, gated: true},
	CommandName_GetPaneInfo:                       {payload: 139, reply: ReplyStrict, newReply: func() proto.Message { return new(GetPaneInfoResponse) }, perm: PermissionType_ReadApplicationState, gated: true},
	CommandName_GetTabInfo:                        {payload: 140, reply: ReplyStrict, newReply: func() proto.Message { return new(GetTabInfoResponse) }, perm: PermissionType_ReadApplicationState, gated: true},
	CommandName_GetPaneRunningCommand:             {payload: 141, reply: ReplyStrict, newReply: func() proto.Message { return new(GetPaneRunningCommandResponse) }, perm: PermissionType_ReadApplicationState, gated: true},
	CommandName_GetPaneCwd:                        {payload: 142, reply: ReplyStrict, newReply: func() proto.Message { return new(GetPaneCwdResponse) }, perm: PermissionType_ReadApplicationState, gated: true},
	CommandName_SwitchTabToId:                     {payload: 143, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_GoToTabWithId:                     {payload: 144, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_CloseTabWithId:                    {payload: 145, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_RenameTabWithId:                   {payload: 146, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_BreakPanesToTabWithId:             {payload: 147, reply: ReplyStrict, newReply: func() proto.Message { return new(BreakPanesToTabWithIdResponse) }, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_GetSessionEnvironmentVariables:    {payload: 148, reply: ReplyStrict, newReply: func() proto.Message { return new(GetSessionEnvironmentVariablesResponse) }, perm: PermissionType_ReadSessionEnvironmentVariables, gated: true},
	CommandName_OpenCommandPaneInNewTab:           {payload: 149, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenPaneInNewTabResponse) }, perm: PermissionType_RunCommands, gated: true},
	CommandName_OpenPluginPaneInNewTab:            {payload: 150, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenPaneInNewTabResponse) }, perm: PermissionType_OpenTerminalsOrPlugins, gated: true},
	CommandName_OpenEditorPaneInNewTab:            {payload: 151, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenPaneInNewTabResponse) }, perm: PermissionType_OpenFiles, gated: true},
	CommandName_OpenCommandPaneInPlaceOfPaneId:    {payload: 152, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenCommandPaneInPlaceOfPaneIdResponse) }, perm: PermissionType_RunCommands, gated: true},
	CommandName_OpenTerminalPaneInPlaceOfPaneId:   {payload: 153, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenTerminalPaneInPlaceOfPaneIdResponse) }, perm: PermissionType_OpenTerminalsOrPlugins, gated: true},
	CommandName_OpenEditPaneInPlaceOfPaneId:       {payload: 154, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenEditPaneInPlaceOfPaneIdResponse) }, perm: PermissionType_OpenFiles, gated: true},
	CommandName_HideFloatingPanes:                 {payload: 155, reply: ReplyLenient, newReply: func() proto.Message { return new(HideFloatingPanesResponse) }, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ShowFloatingPanes:                 {payload: 156, reply: ReplyLenient, newReply: func() proto.Message { return new(ShowFloatingPanesResponse) }, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_SetPaneColor:                      {payload: 157, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_SetPaneRegexHighlights:            {payload: 158, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ClearPaneHighlights:               {payload: 159, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_OpenPluginPaneFloating:            {payload: 160, reply: ReplyStrict, newReply: func() proto.Message { return new(OpenPluginPaneFloatingResponse) }, perm: PermissionType_OpenTerminalsOrPlugins, gated: true},
	CommandName_ListWindowsVolumes:                {payload: 0, perm: PermissionType_FullHdAccess, gated: true},
	CommandName_GetSessionList:                    {payload: 161, reply: ReplyStrict, newReply: func() proto.Message { return new(GetSessionListResponse) }, perm: PermissionType_ReadApplicationState, gated: true},
	CommandName_KillSessionsAndReply:              {payload: 162, reply: ReplyLenient, newReply: func() proto.Message { return new(KillSessionsResponse) }, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_DeleteDeadSessionAndReply:         {payload: 163, reply: ReplyLenient, newReply: func() proto.Message { return new(DeleteDeadSessionResponse) }, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_DeleteAllDeadSessionsAndReply:     {payload: 0, reply: ReplyLenient, newReply: func() proto.Message { return new(DeleteAllDeadSessionsResponse) }, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_SetSoftKeyboard:                   {payload: 164, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_NewTabUnfocused:                   {payload: 168, reply: ReplyStrict, newReply: func() proto.Message { return new(NewTabUnfocusedResponse) }, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_NewTiledPaneInTab:                 {payload: 169, reply: ReplyStrict, newReply: func() proto.Message { return new(NewTiledPaneInTabResponse) }, perm: PermissionType_OpenTerminalsOrPlugins, gated: true},
	CommandName_FocusLastPane:                     {payload: 0},
	CommandName_SetPaneFrameStyle:                 {payload: 170, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ToggleFloatingPanes:               {payload: 171, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_NewPane:                           {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_ToggleFocusNoUiFullscreen:         {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
	CommandName_FocusHostSession:                  {payload: 0, perm: PermissionType_ChangeApplicationState, gated: true},
}

// CommandReply says whether the guest reads a reply line from stdin while the
// host handles command n: a line must be written if and only if the result
// is not ReplyNone, even when the command is denied or fails (write `[]` if
// there is nothing better). Unknown numbers yield ReplyNone.
func CommandReply(n CommandName) ReplyKind {
	if n < 0 || n > maxCommandName {
		return ReplyNone
	}
	return commandTable[n].reply
}

// NewCommandReply returns an empty message of the type the guest expects as
// the reply to command n (for example *PluginIds for GetPluginIds, or
// *OpenFileResponse for OpenFile), or nil when CommandReply(n) is ReplyNone.
func NewCommandReply(n CommandName) proto.Message {
	if n < 0 || n > maxCommandName || commandTable[n].newReply == nil {
		return nil
	}
	return commandTable[n].newReply()
}

// CommandPermission returns the permission a plugin that is not built in
// needs for command n. ok is false when the command is always allowed. Unknown
// numbers report ok=false; hosts reject them before asking (see
// CommandName_name).
func CommandPermission(n CommandName) (p PermissionType, ok bool) {
	if n < 0 || n > maxCommandName {
		return 0, false
	}
	c := &commandTable[n]
	return c.perm, c.gated
}

// CommandPayloadField returns the number of the PluginCommand payload field
// the guest sets for command n, or 0 when the command carries no payload.
// Guests may still attach an empty payload message to commands without one;
// hosts ignore it.
func CommandPayloadField(n CommandName) protoreflect.FieldNumber {
	if n < 0 || n > maxCommandName {
		return 0
	}
	return commandTable[n].payload
}

type eventInfo struct {
	payload protoreflect.FieldNumber // Event oneof field, 0 if the event has no payload
	perm    PermissionType
	gated   bool
}

// maxEventType is the highest EventType value.
const maxEventType = EventType_ActivePaneScroll

// eventTable describes every event, indexed by its number. Facts from the
// event table of the ABI specification.
var eventTable = [maxEventType + 1]eventInfo{
	EventType_ModeUpdate:                    {payload: 2, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_TabUpdate:                     {payload: 3, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_PaneUpdate:                    {payload: 4, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_Key:                           {payload: 5},
	EventType_Mouse:                         {payload: 6},
	EventType_Timer:                         {payload: 7},
	EventType_CopyToClipboard:               {payload: 8, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_SystemClipboardFailure:        {payload: 0, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_InputReceived:                 {payload: 0, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_Visible:                       {payload: 9},
	EventType_CustomMessage:                 {payload: 10},
	EventType_FileSystemCreate:              {payload: 11},
	EventType_FileSystemRead:                {payload: 11},
	EventType_FileSystemUpdate:              {payload: 11},
	EventType_FileSystemDelete:              {payload: 11},
	EventType_PermissionRequestResult:       {payload: 12},
	EventType_SessionUpdate:                 {payload: 13, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_RunCommandResult:              {payload: 14},
	EventType_WebRequestResult:              {payload: 15},
	EventType_CommandPaneOpened:             {payload: 16, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_CommandPaneExited:             {payload: 17, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_PaneClosed:                    {payload: 18, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_EditPaneOpened:                {payload: 19, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_EditPaneExited:                {payload: 20, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_CommandPaneReRun:              {payload: 21, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_FailedToWriteConfigToDisk:     {payload: 22, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_ListClients:                   {payload: 23},
	EventType_HostFolderChanged:             {payload: 24},
	EventType_FailedToChangeHostFolder:      {payload: 25},
	EventType_PastedText:                    {payload: 26},
	EventType_ConfigWasWrittenToDisk:        {payload: 0},
	EventType_WebServerStatus:               {payload: 27, perm: PermissionType_StartWebServer, gated: true},
	EventType_BeforeClose:                   {payload: 0},
	EventType_FailedToStartWebServer:        {payload: 28},
	EventType_InterceptedKeyPress:           {payload: 5},
	EventType_PaneRenderReport:              {payload: 30, perm: PermissionType_ReadPaneContents, gated: true},
	EventType_UserAction:                    {payload: 31, perm: PermissionType_InterceptInput, gated: true},
	EventType_ActionComplete:                {payload: 32},
	EventType_CwdChanged:                    {payload: 33, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_AvailableLayoutInfo:           {payload: 34, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_PluginConfigurationChanged:    {payload: 35, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_HighlightClicked:              {payload: 36, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_InitialKeybinds:               {payload: 38},
	EventType_CommandChanged:                {payload: 39, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_HostTerminalThemeChanged:      {payload: 40},
	EventType_SoftKeyboardVisibilityChanged: {payload: 41, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_HintText:                      {payload: 42, perm: PermissionType_ReadApplicationState, gated: true},
	EventType_ActivePaneScroll:              {payload: 43, perm: PermissionType_ReadApplicationState, gated: true},
}

// EventPermission returns the permission a plugin that is not built in needs
// to receive events of type t; without it the host drops them silently. ok is
// false when no permission is needed.
func EventPermission(t EventType) (p PermissionType, ok bool) {
	if t < 0 || t > maxEventType {
		return 0, false
	}
	e := &eventTable[t]
	return e.perm, e.gated
}

// EventPayloadField returns the Event payload field that events of type t
// carry, or 0 for events that must carry none. InterceptedKeyPress uses field
// 5 (key_payload), like Key.
func EventPayloadField(t EventType) protoreflect.FieldNumber {
	if t < 0 || t > maxEventType {
		return 0
	}
	return eventTable[t].payload
}

// ParsePermission returns the permission with the given name, as written in
// the permission cache file (for example "ReadApplicationState"). Names are
// case-sensitive.
func ParsePermission(name string) (PermissionType, bool) {
	v, ok := PermissionType_value[name]
	if !ok {
		return 0, false
	}
	return PermissionType(v), true
}

// AllPermissions returns every permission type in numeric order.
func AllPermissions() []PermissionType {
	out := make([]PermissionType, 0, len(PermissionType_name))
	for i := PermissionType(0); int(i) < len(PermissionType_name); i++ {
		out = append(out, i)
	}
	return out
}

// The payload oneofs, looked up once the descriptors are registered.
var (
	commandPayloadOneof = sync.OnceValue(func() protoreflect.OneofDescriptor {
		return (&PluginCommand{}).ProtoReflect().Descriptor().Oneofs().ByName("payload")
	})
	eventPayloadOneof = sync.OnceValue(func() protoreflect.OneofDescriptor {
		return (&Event{}).ProtoReflect().Descriptor().Oneofs().ByName("payload")
	})
)

// CheckCommand reports whether cmd names a known command and carries the
// payload field that command uses. Commands without a payload are accepted
// with or without one (guests sometimes attach an empty payload message).
func CheckCommand(cmd *PluginCommand) error {
	n := cmd.GetName()
	if _, ok := CommandName_name[int32(n)]; !ok {
		return fmt.Errorf("check command: unknown command number %d", int32(n))
	}
	want := CommandPayloadField(n)
	if want == 0 {
		return nil
	}
	fd := cmd.ProtoReflect().WhichOneof(commandPayloadOneof())
	if fd == nil {
		return fmt.Errorf("check command %v: missing payload field %d", n, want)
	}
	if fd.Number() != want {
		return fmt.Errorf("check command %v: payload in field %d (%s), want field %d", n, fd.Number(), fd.Name(), want)
	}
	return nil
}

// CheckEvent reports whether ev has a known type and carries exactly the
// payload field its type uses (none for events without data). Guests panic
// on events that fail this check.
func CheckEvent(ev *Event) error {
	t := ev.GetName()
	if _, ok := EventType_name[int32(t)]; !ok {
		return fmt.Errorf("check event: unknown event type %d", int32(t))
	}
	want := EventPayloadField(t)
	fd := ev.ProtoReflect().WhichOneof(eventPayloadOneof())
	switch {
	case want == 0 && fd != nil:
		return fmt.Errorf("check event %v: unexpected payload field %d (%s)", t, fd.Number(), fd.Name())
	case want != 0 && fd == nil:
		return fmt.Errorf("check event %v: missing payload field %d", t, want)
	case want != 0 && fd.Number() != want:
		return fmt.Errorf("check event %v: payload in field %d (%s), want field %d", t, fd.Number(), fd.Name(), want)
	}
	return nil
}
