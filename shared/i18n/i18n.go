// Package i18n holds the chat widget's words in each language it speaks.
// The widget uses them, and so does the server, which draws the widget's
// first screen before the widget's WebAssembly has loaded.
package i18n

import "strings"

// Texts are the widget's words in one language.
type Texts struct {
	Lang, Dir                                   string
	Title, Subtitle, Start, Required, BadEmail  string
	Loading, Placeholder, Send, Sending, Sent   string
	Read, NotSent, Retry, Reconnecting, Offline string
	EndChat, ConfirmEnd, Ended, StartNew        string
	Transcript, NewMessages, Today, Yesterday   string
	Typing, LoadOlder, Minimise, Messages       string
	Agent, You, Expired, CouldNotStart          string
	Choose                                      string
	// attachments
	Attach, Attachments, Attachment, Uploading, UploadFailed string
	Remove, RemoveFile, TooBig, EmptyFile, NotAllowed        string
	TooManyFiles, WaitForUploads, ViewImage, Download, Close string
	DropHere                                                 string
	// a verified customer's earlier chats
	Earlier, NoEarlier, Back, Ongoing, Closed, NoSubject string
	// the embed loader: the launcher's name, its unread count, the frame's title
	OpenChat, Unread, Frame string
	// the labels of the default form's fields (see DefaultLabel)
	FieldName, FieldEmail, FieldQuestion string
	// the default welcome message (see Welcome)
	Welcome string
	// the question before ending a chat: its title (ConfirmEnd says more),
	// its yes and its no
	EndTitle, EndYes, EndNo string
	// the widget's page when its program cannot load
	LoadFailed string
}

var texts = map[string]Texts{
	"en": {
		Lang: "en", Dir: "ltr",
		Title: "Chat with us", Subtitle: "We usually reply in a few minutes.", Start: "Start chat",
		Required: "Please fill this in.", BadEmail: "Please enter an email address such as name@example.com.",
		Loading: "Connecting…", Placeholder: "Type a message", Send: "Send", Sending: "Sending…", Sent: "Sent",
		Read: "Read", NotSent: "Not sent", Retry: "Retry", Reconnecting: "Reconnecting…", Offline: "You are offline. Messages will be sent when you reconnect.",
		EndChat: "End chat", ConfirmEnd: "You can start a new one at any time.", Ended: "This chat has ended.",
		StartNew: "Start a new chat", Transcript: "Download transcript", NewMessages: "New messages",
		Today: "Today", Yesterday: "Yesterday", Typing: "%s is typing…", LoadOlder: "Show earlier messages",
		Minimise: "Minimise chat", Messages: "Messages", Agent: "Agent", You: "You",
		Expired: "Your chat session expired.", CouldNotStart: "The chat could not start: %s", Choose: "Choose…",
		Attach: "Attach files", Attachments: "Files to send", Attachment: "Attachment", Uploading: "Uploading %s",
		UploadFailed: "The upload failed", Remove: "Remove", RemoveFile: "Remove %s",
		TooBig: "%s is too large: files can be up to %s.", EmptyFile: "%s is empty.", NotAllowed: "%s: this type of file can’t be sent here.",
		TooManyFiles: "A message can carry up to %d files.", WaitForUploads: "Wait for the files to finish uploading.",
		ViewImage: "View %s", Download: "Download", Close: "Close", DropHere: "Drop files to attach them",
		Earlier: "Earlier chats", NoEarlier: "You have no earlier chats.", Back: "Back", Ongoing: "Ongoing", Closed: "Ended", NoSubject: "Chat",
		OpenChat: "Open chat", Unread: "unread", Frame: "Chat",
		FieldName: "Name", FieldEmail: "Email", FieldQuestion: "How can we help?",
		Welcome:  "Hi! Tell us how we can help, and an agent will be with you shortly.",
		EndTitle: "End this chat?", EndYes: "End chat", EndNo: "Keep chatting",
		LoadFailed: "The chat could not load. Reload the page to try again.",
	},
	"fr": {
		Lang: "fr", Dir: "ltr",
		Title: "Discutons", Subtitle: "Nous répondons en général en quelques minutes.", Start: "Démarrer la discussion",
		Required: "Veuillez remplir ce champ.", BadEmail: "Veuillez saisir une adresse e-mail, par exemple nom@exemple.fr.",
		Loading: "Connexion…", Placeholder: "Écrivez un message", Send: "Envoyer", Sending: "Envoi…", Sent: "Envoyé",
		Read: "Lu", NotSent: "Non envoyé", Retry: "Réessayer", Reconnecting: "Reconnexion…", Offline: "Vous êtes hors ligne. Les messages partiront à la reconnexion.",
		EndChat: "Terminer", ConfirmEnd: "Vous pourrez en démarrer une autre à tout moment.", Ended: "Cette discussion est terminée.",
		StartNew: "Nouvelle discussion", Transcript: "Télécharger la transcription", NewMessages: "Nouveaux messages",
		Today: "Aujourd’hui", Yesterday: "Hier", Typing: "%s écrit…", LoadOlder: "Afficher les messages précédents",
		Minimise: "Réduire la discussion", Messages: "Messages", Agent: "Conseiller", You: "Vous",
		Expired: "Votre session de discussion a expiré.", CouldNotStart: "La discussion n’a pas pu démarrer : %s", Choose: "Choisir…",
		Attach: "Joindre des fichiers", Attachments: "Fichiers à envoyer", Attachment: "Pièce jointe", Uploading: "Envoi de %s",
		UploadFailed: "L’envoi a échoué", Remove: "Retirer", RemoveFile: "Retirer %s",
		TooBig: "%s est trop volumineux : %s au maximum.", EmptyFile: "%s est vide.", NotAllowed: "%s : ce type de fichier ne peut pas être envoyé ici.",
		TooManyFiles: "Un message peut contenir au plus %d fichiers.", WaitForUploads: "Attendez la fin de l’envoi des fichiers.",
		ViewImage: "Voir %s", Download: "Télécharger", Close: "Fermer", DropHere: "Déposez des fichiers pour les joindre",
		Earlier: "Discussions précédentes", NoEarlier: "Vous n’avez pas d’autre discussion.", Back: "Retour", Ongoing: "En cours", Closed: "Terminée", NoSubject: "Discussion",
		OpenChat: "Ouvrir la discussion", Unread: "non lus", Frame: "Discussion",
		FieldName: "Nom", FieldEmail: "E-mail", FieldQuestion: "Comment pouvons-nous vous aider ?",
		Welcome:  "Bonjour ! Dites-nous comment nous pouvons vous aider ; un conseiller vous répondra très vite.",
		EndTitle: "Terminer cette discussion ?", EndYes: "Terminer", EndNo: "Continuer",
		LoadFailed: "La discussion n’a pas pu se charger. Rechargez la page pour réessayer.",
	},
	"ar": {
		Lang: "ar", Dir: "rtl",
		Title: "تحدث معنا", Subtitle: "نرد عادة خلال دقائق.", Start: "ابدأ المحادثة",
		Required: "يرجى ملء هذا الحقل.", BadEmail: "يرجى إدخال بريد إلكتروني مثل name@example.com.",
		Loading: "جارٍ الاتصال…", Placeholder: "اكتب رسالة", Send: "إرسال", Sending: "جارٍ الإرسال…", Sent: "أُرسلت",
		Read: "قُرئت", NotSent: "لم تُرسل", Retry: "أعد المحاولة", Reconnecting: "جارٍ إعادة الاتصال…", Offline: "أنت غير متصل. ستُرسل الرسائل عند عودة الاتصال.",
		EndChat: "إنهاء المحادثة", ConfirmEnd: "يمكنك بدء محادثة جديدة في أي وقت.", Ended: "انتهت هذه المحادثة.",
		StartNew: "ابدأ محادثة جديدة", Transcript: "تنزيل نص المحادثة", NewMessages: "رسائل جديدة",
		Today: "اليوم", Yesterday: "أمس", Typing: "%s يكتب…", LoadOlder: "عرض الرسائل السابقة",
		Minimise: "تصغير المحادثة", Messages: "الرسائل", Agent: "الموظف", You: "أنت",
		Expired: "انتهت صلاحية جلسة المحادثة.", CouldNotStart: "تعذر بدء المحادثة: %s", Choose: "اختر…",
		Attach: "إرفاق ملفات", Attachments: "ملفات للإرسال", Attachment: "مرفق", Uploading: "جارٍ رفع %s",
		UploadFailed: "فشل الرفع", Remove: "إزالة", RemoveFile: "إزالة %s",
		TooBig: "%s كبير جدًا: الحد الأقصى %s.", EmptyFile: "%s فارغ.", NotAllowed: "%s: لا يمكن إرسال هذا النوع من الملفات هنا.",
		TooManyFiles: "يمكن أن تحمل الرسالة %d ملفات على الأكثر.", WaitForUploads: "انتظر حتى يكتمل رفع الملفات.",
		ViewImage: "عرض %s", Download: "تنزيل", Close: "إغلاق", DropHere: "أفلت الملفات لإرفاقها",
		Earlier: "المحادثات السابقة", NoEarlier: "لا توجد محادثات سابقة.", Back: "رجوع", Ongoing: "جارية", Closed: "منتهية", NoSubject: "محادثة",
		OpenChat: "فتح المحادثة", Unread: "غير مقروءة", Frame: "محادثة",
		FieldName: "الاسم", FieldEmail: "البريد الإلكتروني", FieldQuestion: "كيف يمكننا مساعدتك؟",
		Welcome:  "مرحبًا! أخبرنا كيف يمكننا مساعدتك، وسينضم إليك أحد الموظفين قريبًا.",
		EndTitle: "هل تريد إنهاء هذه المحادثة؟", EndYes: "إنهاء المحادثة", EndNo: "متابعة المحادثة",
		LoadFailed: "تعذر تحميل المحادثة. أعد تحميل الصفحة للمحاولة مرة أخرى.",
	},
}

// English is the language of Parley's defaults as a deployment stores
// them: a default form's labels, the default welcome.
var English = texts["en"]

// Langs are the languages the widget speaks, as For takes them.
func Langs() []string { return []string{"en", "fr", "ar"} }

// Speaks reports whether the widget speaks lang (a language of Langs).
func Speaks(lang string) bool {
	_, ok := texts[lang]
	return ok
}

// DefaultLabel is the label of field name of the default form in t's
// language; "" for a field the default form does not have.
func (t Texts) DefaultLabel(name string) string {
	switch name {
	case "friendlyName":
		return t.FieldName
	case "email":
		return t.FieldEmail
	case "question":
		return t.FieldQuestion
	}
	return ""
}

// Label is what a form field is called in t's language: the deployment's
// own label for that language, if it gave one; else, for a field of the
// default form still under its English default label, the default in
// t's language; else its label.
func (t Texts) Label(name, label string, labels map[string]string) string {
	if l := labels[t.Lang]; l != "" {
		return l
	}
	if d := English.DefaultLabel(name); d != "" && label == d {
		return t.DefaultLabel(name)
	}
	return label
}

// WelcomeText is a deployment's welcome message in t's language: while
// the deployment keeps Parley's English default, the default in t's
// language; else the deployment's own words.
func (t Texts) WelcomeText(message string) string {
	if message == English.Welcome {
		return t.Welcome
	}
	return message
}

// For picks the deployment's language, or the browser's for "auto",
// falling back to English.
func For(locale, browser string) Texts {
	if locale == "" || locale == "auto" {
		locale = strings.ToLower(browser)
		if i := strings.IndexAny(locale, "-_"); i > 0 {
			locale = locale[:i]
		}
	}
	if t, ok := texts[locale]; ok {
		return t
	}
	return texts["en"]
}
