//! What a thread page says about the thread itself, shared by the page and its moderator controls.

#[derive(Clone, Debug)]
pub struct ThreadHead {
    pub id: i32,
    pub title: String,
    /// `en`, `fr` or `es`: the language of the title.
    pub language: String,
    pub forum_slug: String,
    pub forum_title: String,
    pub locked: bool,
    pub pinned: bool,
    pub hidden: bool,
    /// Why a moderator hid it, when they said so.
    pub hidden_reason: Option<String>,
    pub featured: bool,
    pub summary_html: Option<String>,
    pub summary_md: String,
}
